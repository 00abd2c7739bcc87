"""The issue's flows through the whole app on every database it supports: a SQLite file, SQLite in memory
(``sqlite://``) and PostgreSQL (a ``postgresql://`` URL, as users configure it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import openai
import pytest
from fastapi import FastAPI

from server.app import create_app
from server.config import Settings
from tests.api.conftest import sdk_client
from tests.conftest import isolated_postgres_url

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite-file", "sqlite-memory", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def any_db_app(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[FastAPI]:
    if request.param == "postgresql":
        with isolated_postgres_url(request.getfixturevalue("postgres_url")) as url:
            app = create_app(Settings(database_url=url))
            async with app.router.lifespan_context(app):
                yield app
        return
    url = f"sqlite:///{tmp_path / 'e.db'}" if request.param == "sqlite-file" else "sqlite://"
    app = create_app(Settings(database_url=url))
    async with app.router.lifespan_context(app):
        yield app


async def test_create_chain_retrieve_list_delete_on_every_database(any_db_app: FastAPI) -> None:
    async with sdk_client(any_db_app) as client:
        r1 = await client.responses.create(model="gpt-4o", input="Hello there")
        r2 = await client.responses.create(model="gpt-4o", input="And again?", previous_response_id=r1.id)
        assert (await client.responses.retrieve(r2.id)).output_text == "And again?"
        assert [item.id async for item in client.responses.input_items.list(r2.id)]
        await client.responses.delete(r1.id)
        with pytest.raises(openai.NotFoundError):
            await client.responses.retrieve(r1.id)


async def test_streamed_response_is_stored_on_every_database(any_db_app: FastAPI) -> None:
    async with sdk_client(any_db_app) as client:
        async with client.responses.stream(model="gpt-5-nano", input="stored stream") as stream:
            final = await stream.get_final_response()
        assert (await client.responses.retrieve(final.id)).output_text == "stored stream"


async def test_tenants_are_isolated_on_every_database(any_db_app: FastAPI) -> None:
    async with sdk_client(any_db_app, "sk-one") as one, sdk_client(any_db_app, "sk-two") as two:
        mine = await one.responses.create(model="gpt-4o", input="private")
        with pytest.raises(openai.NotFoundError):
            await two.responses.retrieve(mine.id)


async def test_conversation_turns_on_every_database(any_db_app: FastAPI) -> None:
    async with sdk_client(any_db_app) as client:
        conversation = await client.conversations.create(items=[{"role": "user", "content": "first"}])
        await client.responses.create(model="gpt-4o", input="second", conversation=conversation.id)
        listed = [item.type async for item in client.conversations.items.list(conversation.id, limit=2)]
        assert listed == ["message", "message", "message"]
        await client.conversations.delete(conversation.id)
        with pytest.raises(openai.NotFoundError):
            await client.conversations.items.list(conversation.id)
