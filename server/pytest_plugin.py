"""pytest plugin (entry point ``pytest11``): the emulator as a fixture, a fresh tenant for every test.

Installed with the package, active in every pytest session of that environment, and costing nothing until
a test asks for one of its fixtures::

    def test_my_agent(openai_client, emulator):
        emulator.queue({"output": [{"message": "Hello from the script"}]})
        reply = openai_client.responses.create(model="gpt-4o", input="Hi")
        assert reply.output_text == "Hello from the script"
        assert emulator.last_request()["request_body"]["input"] == "Hi"

Fixtures:

- ``openai_emulator`` (session): the running emulator. Started in this process, in a thread, on a free port,
  with SQLite in a temporary directory; or, when ``OPENAI_EMULATOR_URL`` is set, the emulator found there
  (e.g. a docker-compose service). Other ``OPENAI_EMULATOR_*`` variables configure the in-process one, and so
  does overriding ``openai_emulator_settings``.
- ``openai_emulator_url``: its base URL, ending in ``/v1``.
- ``openai_api_key``: a new API key for each test; each key is its own tenant, so tests never see each
  other's responses, conversations, scenarios or journal, even in parallel against one server.
- ``openai_client`` / ``async_openai_client``: ``OpenAI`` / ``AsyncOpenAI`` for that key.
- ``emulator``: the control plane for that key: load scenarios, queue replies, read the journal.

Only runtime dependencies of the package are imported, and only when a fixture is first used.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx2
    from openai import AsyncOpenAI, OpenAI

URL_VARIABLE = "OPENAI_EMULATOR_URL"
ADMIN_TOKEN_VARIABLE = "OPENAI_EMULATOR_ADMIN_TOKEN"
CONTROL_PREFIX = "/__emulator__"


@dataclass
class RunningEmulator:
    """An emulator the fixtures talk to: ``root`` is ``http://host:port``, ``base_url`` adds ``/v1``."""

    root: str
    admin_token: str | None = None
    in_process: bool = False
    _stop: Any = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None


def _root_of(url: str) -> str:
    """``http://host:port`` from a URL given with or without ``/v1`` and trailing slashes."""
    url = url.rstrip("/")
    return url.removesuffix("/v1")


def start_in_process(settings_overrides: Mapping[str, Any], directory: Path) -> RunningEmulator:
    """Serve the emulator from a thread of this process, on a free port of 127.0.0.1."""
    import uvicorn

    from server.app import create_app
    from server.commands.serve import bind_socket
    from server.config import Settings
    from server.http_protocol import CorkedHttpToolsProtocol

    overrides = {"database_url": f"sqlite:///{directory / 'emulator.db'}", "log_level": "warning"}
    settings = Settings(**{**overrides, **settings_overrides, "host": "127.0.0.1", "port": 0})
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings),
        log_level=settings.log_level,
        access_log=False,
        log_config=None,  # leave the test session's logging alone
        lifespan="on",
        http=CorkedHttpToolsProtocol,  # as `serve` runs it
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="openai-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the in-process openai-emulator did not start (see the log above)")
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()

    return RunningEmulator(
        root=f"http://127.0.0.1:{port}", admin_token=settings.admin_token, in_process=True, _stop=stop
    )


class EmulatorControl:
    """The control plane of one tenant (one API key): scenarios, queued replies and the request journal."""

    def __init__(self, running: RunningEmulator, api_key: str) -> None:
        import httpx2

        headers = {"Authorization": f"Bearer {api_key}"}
        if running.admin_token:
            headers["X-Emulator-Admin-Token"] = running.admin_token
        self.api_key = api_key
        self.base_url = running.base_url
        self._http: httpx2.Client = httpx2.Client(base_url=running.root + CONTROL_PREFIX, headers=headers, timeout=30)

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {CONTROL_PREFIX}{path} failed ({response.status_code}): {response.text}")
        return response.json()

    def load_scenario(self, source: str | os.PathLike[str]) -> list[str]:
        """Load scenarios (YAML or JSON text, or a file path) for this test's tenant; returns their names."""
        text = Path(source).read_text(encoding="utf-8") if isinstance(source, os.PathLike) else source
        names: list[str] = self._call("POST", "/scenarios", content=text.encode())["loaded"]
        return names

    def queue(self, *replies: Mapping[str, Any]) -> int:
        """Queue scenario turns (``{"output": [{"message": "hi"}]}``, ``{"error": {...}}``) for the next
        requests of this tenant, before any scenario; returns how many are queued now."""
        queued: int = self._call("POST", "/queue", json={"replies": [dict(reply) for reply in replies]})["queued"]
        return queued

    def queue_message(self, *texts: str) -> int:
        """Queue one plain text reply per argument."""
        return self.queue(*({"output": [{"message": text}]} for text in texts))

    def scenarios(self) -> list[dict[str, Any]]:
        """The scenarios this tenant sees, each with its turns' use and ``unconsumed_turns``."""
        data: list[dict[str, Any]] = self._call("GET", "/scenarios")["data"]
        return data

    def assert_scenarios_consumed(self) -> None:
        """Fail if a scenario loaded for this test still has turns no request reached."""
        left = {s["name"]: s["unconsumed_turns"] for s in self.scenarios() if s["scope"] == "tenant"}
        left = {name: turns for name, turns in left.items() if turns}
        assert not left, f"scenario turns never reached: {left}"

    def journal(self, *, path: str | None = None, method: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """This tenant's requests, oldest first: method, path, request_body, masked headers, status, …"""
        params: dict[str, Any] = {"limit": limit}
        if path is not None:
            params["path"] = path
        if method is not None:
            params["method"] = method
        data: list[dict[str, Any]] = self._call("GET", "/journal", params=params)["data"]
        return data

    def last_request(self, path: str = "/v1/responses", method: str = "POST") -> dict[str, Any]:
        """The newest journaled request to ``path`` (a prefix) with ``method``; fails when there is none."""
        entries = self.journal(path=path, method=method, limit=1)
        assert entries, f"no {method} {path} request was made with this test's API key"
        return entries[-1]

    def reset(self) -> None:
        """Forget this tenant's scenarios, queue, counters, responses, conversations and journal."""
        self._call("POST", "/reset")


@pytest.fixture(scope="session")
def openai_emulator_settings() -> dict[str, Any]:
    """Settings for the in-process emulator (``Settings`` field names); override in a conftest to change them."""
    return {}


@pytest.fixture(scope="session")
def openai_emulator(openai_emulator_settings: dict[str, Any]) -> Iterator[RunningEmulator]:
    """The emulator of this test session: external at ``$OPENAI_EMULATOR_URL``, or started in-process."""
    external = os.environ.get(URL_VARIABLE)
    if external:
        yield RunningEmulator(root=_root_of(external), admin_token=os.environ.get(ADMIN_TOKEN_VARIABLE))
        return
    with tempfile.TemporaryDirectory(prefix="openai-emulator-") as directory:
        running = start_in_process(openai_emulator_settings, Path(directory))
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture
def openai_emulator_url(openai_emulator: RunningEmulator) -> str:
    """The emulator's base URL, ending in ``/v1`` (what ``OPENAI_BASE_URL`` takes)."""
    return openai_emulator.base_url


@pytest.fixture
def openai_api_key() -> str:
    """A key of its own for this test: a fresh, empty tenant."""
    return f"sk-test-{secrets.token_hex(12)}"


@pytest.fixture
def openai_client(openai_emulator: RunningEmulator, openai_api_key: str) -> Iterator[OpenAI]:
    """An ``OpenAI`` client for this test's tenant."""
    from openai import OpenAI

    client = OpenAI(base_url=openai_emulator.base_url, api_key=openai_api_key)
    yield client
    client.close()


@pytest.fixture
def async_openai_client(openai_emulator: RunningEmulator, openai_api_key: str) -> AsyncOpenAI:
    """An ``AsyncOpenAI`` client for this test's tenant (use it from async tests: anyio, pytest-asyncio…).

    It keeps no idle connection: a sync fixture cannot close connections that belong to the test's event
    loop (gone by teardown), and one left open would be an "unclosed transport" warning. On loopback a new
    connection per request costs next to nothing.
    """
    import httpx2
    from openai import AsyncOpenAI, DefaultAsyncHttpxClient

    http_client = DefaultAsyncHttpxClient(limits=httpx2.Limits(max_keepalive_connections=0))
    return AsyncOpenAI(base_url=openai_emulator.base_url, api_key=openai_api_key, http_client=http_client)


@pytest.fixture
def emulator(openai_emulator: RunningEmulator, openai_api_key: str) -> Iterator[EmulatorControl]:
    """The control plane for this test's tenant: ``load_scenario``, ``queue``, ``journal``, ``last_request``."""
    control = EmulatorControl(openai_emulator, openai_api_key)
    yield control
    control.close()


def pytest_report_header(config: pytest.Config) -> str | None:
    external = os.environ.get(URL_VARIABLE)
    return f"openai-emulator: using {external}" if external else None
