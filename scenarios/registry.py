"""Backends by name. The default model answers every model name until routing rules say otherwise."""

from __future__ import annotations

from scenarios.base import Backend
from scenarios.echo import EchoBackend


class BackendRegistry:
    """Name -> backend, with one default."""

    def __init__(self, default: Backend | None = None) -> None:
        self._default: Backend = default or EchoBackend()
        self._backends: dict[str, Backend] = {self._default.name: self._default}

    def register(self, backend: Backend) -> None:
        self._backends[backend.name] = backend

    def get(self, name: str) -> Backend | None:
        return self._backends.get(name)

    def for_model(self, model: str) -> Backend:
        """The backend that answers requests for ``model``."""
        return self._default
