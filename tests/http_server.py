"""A real HTTP server on 127.0.0.1 for fetch tests; it lives in ``tools.reliability``."""

from tools.reliability.fault_server import Route, respond, serve

__all__ = ["Route", "respond", "serve"]
