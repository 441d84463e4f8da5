"""Arize Phoenix (PyPI `arize-phoenix`) as the OTLP receiver the trace export tests send to.

Phoenix binds its gRPC listener to every interface whatever it is told; the tests may only
use loopback, so the listener's address is narrowed to 127.0.0.1 before Phoenix starts.
Everything else is `phoenix serve`, configured by the PHOENIX_* variables the test sets.
"""

import sys

import grpc.aio

_add_insecure_port = grpc.aio._server.Server.add_insecure_port


def _loopback_only(server, address):
    return _add_insecure_port(server, address.replace("[::]", "127.0.0.1"))


grpc.aio._server.Server.add_insecure_port = _loopback_only

from phoenix.server.main import main  # noqa: E402  (after the patch above)

sys.argv = ["phoenix", "serve"]
sys.exit(main())
