"""The gRPC storage proxy: many workers share one storage through a server (``parzen[grpc]``)."""

from parzen.storages._grpc._client import GrpcStorageProxy
from parzen.storages._grpc._server import run_grpc_proxy_server

__all__ = ["GrpcStorageProxy", "run_grpc_proxy_server"]
