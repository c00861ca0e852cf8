"""The bottom layer: plain records and helpers that every other package shares.

Directions, study snapshots and summaries, constraint reading, Pareto dominance and the
system-attribute keys parzen stores live here so that storages, samplers, pruners and the
study can all use them without importing each other. Nothing in this package imports
another ``parzen`` package at run time (``parzen.trial`` appears in type annotations only);
``tests/test_layers.py`` checks it. The public names are re-exported where users look for
them: ``parzen.study.StudyDirection``, ``parzen.study.StudySummary``, and so on.
"""
