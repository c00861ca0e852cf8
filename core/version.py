"""The version of parzen."""

__version__ = "0.1.0"
