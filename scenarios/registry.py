"""Backends by name, and which backend answers which model name.

Built in: ``echo`` (the default model). Third parties add backends through the entry-point group
``openai_emulator.backends``: each entry point names a backend class (or any callable returning a backend).
Routing maps model-name globs to backend names (``{"demo*": "demo"}``); the first matching glob wins and
every other model goes to the default backend.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points

from scenarios.base import Backend
from scenarios.echo import EchoBackend

ENTRY_POINT_GROUP = "openai_emulator.backends"
log = logging.getLogger("openai_emulator.backends")


_ROUTED_KEPT = 1024


class BackendRegistry:
    """Name -> backend, model-glob routing, and one default."""

    def __init__(self, default: Backend | None = None, *, routes: Mapping[str, str] | None = None) -> None:
        self._default: Backend = default or EchoBackend()
        self._backends: dict[str, Backend] = {self._default.name: self._default}
        self._routes = dict(routes or {})
        # Model -> backend as routed: matching every glob on every request showed in a create's profile.
        # Bounded (cleared when full), as model names come from clients; emptied when a backend registers.
        self._routed: dict[str, Backend] = {}

    @property
    def default(self) -> Backend:
        return self._default

    @property
    def names(self) -> list[str]:
        return sorted(self._backends)

    def register(self, backend: Backend) -> None:
        self._backends[backend.name] = backend
        self._routed.clear()

    def get(self, name: str) -> Backend | None:
        return self._backends.get(name)

    def for_model(self, model: str) -> Backend:
        """The backend that answers requests for ``model``."""
        backend = self._routed.get(model)
        if backend is None:
            backend = self._route(model)
            if len(self._routed) >= _ROUTED_KEPT:
                self._routed.clear()
            self._routed[model] = backend
        return backend

    def _route(self, model: str) -> Backend:
        for pattern, name in self._routes.items():
            if fnmatch.fnmatchcase(model, pattern):
                return self._backends[name]
        return self._default

    def check_routes(self) -> list[str]:
        """Problems with the routing table (routes to backends nobody registered)."""
        return [
            f"model route '{p}' names unknown backend '{n}'" for p, n in self._routes.items() if n not in self._backends
        ]

    def load_entry_points(self) -> list[str]:
        """Register every backend installed under ``openai_emulator.backends``; returns their names."""
        loaded = []
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            factory: Callable[[], Backend] = entry_point.load()
            backend = factory()
            if not isinstance(backend, Backend):
                raise TypeError(f"entry point {entry_point.name!r} did not give a backend (needs name and stream)")
            self.register(backend)
            loaded.append(backend.name)
            log.info("loaded backend %s from %s", backend.name, entry_point.value)
        return loaded
