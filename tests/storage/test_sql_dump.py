"""State export/import (storage.sql_dump): a whole store to JSON Lines and back, on every backend, idempotently."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.base import ConversationRecord
from storage.sql import SqlStore, open_store
from storage.sql_dump import FORMAT, StateFileError, export_state, import_state, state_tables
from tests.storage.test_response_repo import A, B, assistant_message, ids, record, user_message

pytestmark = pytest.mark.anyio


async def populate(store: SqlStore) -> None:
    """A chain of two responses (the first deleted), another tenant's response, and two conversations."""
    await store.responses.insert(
        record("resp_1"), input_items=[user_message("msg_1")], output_items=[assistant_message("msg_2")]
    )
    await store.responses.insert(
        record("resp_2", previous_response_id="resp_1"),
        input_items=[user_message("msg_3", "naïve \u2603 text")],
        output_items=[assistant_message("msg_4", "6.02e+23")],
    )
    await store.responses.delete(A, "resp_1")
    await store.responses.insert(record("resp_b", tenant=B), input_items=[user_message("msg_b")])
    await store.conversations.create(
        ConversationRecord(id="conv_1", tenant=A, created_at=1_700_000_001, metadata={"topic": "demo"}),
        items=[user_message("msg_c1")],
    )
    await store.conversations.append_items(A, "conv_1", [assistant_message("msg_c2")])
    await store.conversations.create(ConversationRecord(id="conv_gone", tenant=A, created_at=1_700_000_002))
    await store.conversations.delete(A, "conv_gone")


def exported(store: SqlStore) -> str:
    out = io.StringIO()
    export_state(store.engine, out)
    return out.getvalue()


@pytest.fixture
def target(tmp_path: Path) -> Iterator[SqlStore]:
    """A second, empty store to import into."""
    opened = open_store(f"sqlite:///{tmp_path / 'target.db'}")
    yield opened
    opened.engine.dispose()


async def test_export_then_import_gives_the_same_store_row_for_row(store: SqlStore, target: SqlStore) -> None:
    await populate(store)
    text = exported(store)
    report = import_state(target.engine, io.StringIO(text))
    assert report.inserted["responses"] == 3 and report.inserted["conversations"] == 2
    assert report.inserted["response_items"] == 5 and report.inserted["conversation_items"] == 2
    assert exported(target) == text  # every row and column, byte for byte


async def test_the_imported_store_answers_as_the_original_did(store: SqlStore, target: SqlStore) -> None:
    await populate(store)
    import_state(target.engine, io.StringIO(exported(store)))
    assert await target.responses.get(A, "resp_1") is None  # still deleted…
    assert ids(await target.responses.context_items(A, ["resp_1", "resp_2"])) == ["msg_1", "msg_2", "msg_3", "msg_4"]
    assert await target.responses.get(B, "resp_2") is None  # …and still another tenant's
    conversation = await target.conversations.get(A, "conv_1")
    assert conversation is not None and conversation.metadata == {"topic": "demo"}
    assert ids(await target.conversations.all_items(A, "conv_1") or []) == ["msg_c1", "msg_c2"]
    assert await target.conversations.get(A, "conv_gone") is None
    # Appending continues after the imported items: next_position came along.
    await target.conversations.append_items(A, "conv_1", [user_message("msg_c3")])
    assert ids(await target.conversations.all_items(A, "conv_1") or []) == ["msg_c1", "msg_c2", "msg_c3"]


async def test_importing_twice_changes_nothing_the_second_time(store: SqlStore, target: SqlStore) -> None:
    await populate(store)
    text = exported(store)
    import_state(target.engine, io.StringIO(text))
    again = import_state(target.engine, io.StringIO(text))
    assert sum(again.inserted.values()) == 0 and again.skipped["responses"] == 3
    assert again.summary() == "imported nothing new; 12 rows already present"
    assert exported(target) == text


async def test_import_into_a_store_with_data_keeps_what_is_there_and_adds_the_rest(
    store: SqlStore, target: SqlStore
) -> None:
    await populate(store)
    await target.responses.insert(record("resp_2", body={"id": "resp_2", "mine": True}), input_items=[])
    await target.responses.insert(record("resp_local"), input_items=[user_message("msg_local")])
    report = import_state(target.engine, io.StringIO(exported(store)))
    assert report.skipped["responses"] == 1 and report.inserted["responses"] == 2
    kept = await target.responses.get(A, "resp_2")
    assert kept is not None and kept.body == {"id": "resp_2", "mine": True}
    assert await target.responses.get(A, "resp_local") is not None


async def test_the_header_lists_every_state_table_and_no_journal(store: SqlStore) -> None:
    header = json.loads(exported(store).splitlines()[0])
    assert header["format"] == FORMAT and header["version"] == 1
    assert list(header["tables"]) == [table.name for table in state_tables()]
    assert {"responses", "response_items", "conversations", "conversation_items"} <= set(header["tables"])
    assert "journal" not in header["tables"]  # a log keyed by a counter, not state
    assert header["tables"]["responses"] == [
        column.name for column in state_tables()[0].metadata.tables["responses"].columns
    ]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "the file is empty"),
        (['{"format": "something-else"}'], "line 1: not an openai-emulator state file"),
        ([f'{{"format": "{FORMAT}", "version": 99}}'], "line 1: state file version 99, expected 1"),
        ([f'{{"format": "{FORMAT}", "version": 1}}', "{nope"], "line 2: not JSON"),
        ([f'{{"format": "{FORMAT}", "version": 1}}', '{"table": "users", "row": {}}'], "line 2: unknown table 'users'"),
        (
            [f'{{"format": "{FORMAT}", "version": 1}}', "", '{"table": "responses", "row": {"id": "r", "colour": 1}}'],
            "line 3: table 'responses' has no column 'colour'",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_line_and_nothing_is_written(
    target: SqlStore, lines: list[str], message: str
) -> None:
    with pytest.raises(StateFileError, match=message.replace("(", r"\(")):
        import_state(target.engine, io.StringIO("\n".join(lines)))
    assert sum(1 for line in exported(target).splitlines()) == 1  # the header only
