"""Adapters for training frameworks and tools; each behind its own extra."""
