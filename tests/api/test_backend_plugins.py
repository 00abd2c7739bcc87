"""Third-party backends: installed under the entry-point group ``openai_emulator.backends`` and routed by
model-name globs. The test installs a tiny distribution (a .dist-info with entry_points.txt on sys.path,
which is what importlib.metadata reads for any installed package)."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from scenarios.registry import BackendRegistry
from server.app import create_app
from server.config import Settings
from tests.api.conftest import sdk_client

pytestmark = pytest.mark.anyio

TINY_MODULE = """
from scenarios.base import MessageEnd, MessageStart, TextDelta


class TinyBackend:
    name = "tiny"

    async def stream(self, request):
        yield MessageStart()
        yield TextDelta(f"tiny answers {request.model}")
        yield MessageEnd()
"""


@pytest.fixture
def tiny_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    (tmp_path / "tiny_backend.py").write_text(TINY_MODULE)
    dist_info = tmp_path / "tiny_backend-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: tiny-backend\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        textwrap.dedent(
            """
            [openai_emulator.backends]
            tiny = tiny_backend:TinyBackend
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield
    sys.modules.pop("tiny_backend", None)


def test_installed_backends_are_found_and_routed_by_glob(tiny_installed: None) -> None:
    registry = BackendRegistry(routes={"tiny-*": "tiny"})
    assert "tiny" in registry.load_entry_points()
    assert registry.for_model("tiny-v1").name == "tiny"
    assert registry.for_model("gpt-4o").name == "echo"


def test_a_route_to_an_unknown_backend_is_reported() -> None:
    registry = BackendRegistry(routes={"x-*": "nobody"})
    assert registry.check_routes() == ["model route 'x-*' names unknown backend 'nobody'"]


@pytest.fixture
async def routed_app(tiny_installed: None, tmp_path: Path) -> AsyncIterator[FastAPI]:
    app = create_app(
        Settings(database_url="sqlite://", model_backends={"tiny-*": "tiny", "demo*": "demo"}, demo_words_per_second=0)
    )
    async with app.router.lifespan_context(app):
        yield app


async def test_a_plugin_backend_answers_through_the_sdk(routed_app: FastAPI) -> None:
    async with sdk_client(routed_app) as client:
        response = await client.responses.create(model="tiny-v1", input="hi")
        assert response.output_text == "tiny answers tiny-v1"
        assert (await client.responses.create(model="gpt-4o", input="hi")).output_text == "hi"


async def test_demo_models_route_to_the_demo_backend_and_are_reproducible(routed_app: FastAPI) -> None:
    async with sdk_client(routed_app) as client:
        first = await client.responses.create(model="demo", input="How do I bake sourdough bread?")
        again = await client.responses.create(model="demo-fast", input="How do I bake sourdough bread?")
        async with client.responses.stream(model="demo", input="How do I bake sourdough bread?") as stream:
            streamed = await stream.get_final_response()
    assert first.output_text != "How do I bake sourdough bread?" and len(first.output_text.split()) >= 30
    assert streamed.output_text == first.output_text
    assert again.output_text != first.output_text  # the model name is part of the seed
