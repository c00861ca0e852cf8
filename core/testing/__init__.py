"""Conformance suites that any sampler, pruner or storage can run, and test helpers."""
