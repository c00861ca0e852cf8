"""The skrub integration's internals; the public names are in :mod:`parzen.integrations.skrub`."""
