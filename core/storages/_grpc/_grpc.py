"""The one place that imports grpcio, with the install hint when it is missing."""

from __future__ import annotations

try:
    import grpc
except ImportError as e:
    raise ImportError(
        "The gRPC storage proxy needs the grpcio package, which is not installed. "
        'Install it with: pip install "parzen[grpc]"'
    ) from e

__all__ = ["grpc"]
