"""The request journal's storage contract (``storage.base.Journal``), on every backend."""

from __future__ import annotations

import pytest

from server.api.journal import JournalWriter
from storage.base import JournalEntry
from storage.sql import SqlStore

pytestmark = pytest.mark.anyio

A, B = "tenant-a", "tenant-b"


def entry(tenant: str, n: int) -> JournalEntry:
    return JournalEntry(tenant=tenant, at=1_700_000_000 + n, method="POST", path="/v1/responses", data={"n": n})


async def test_trim_keeps_the_newest_entries_over_all_tenants(store: SqlStore) -> None:
    await store.journal.record([entry(A if n % 2 else B, n) for n in range(10)])

    await store.journal.trim(4)

    kept = await store.journal.list(A) + await store.journal.list(B)
    assert sorted(e.data["n"] for e in kept) == [6, 7, 8, 9]


async def test_trim_with_fewer_entries_than_kept_changes_nothing(store: SqlStore) -> None:
    await store.journal.record([entry(A, n) for n in range(3)])

    await store.journal.trim(5)
    await store.journal.trim(3)

    assert [e.data["n"] for e in await store.journal.list(A)] == [0, 1, 2]


async def test_the_writer_trims_after_each_batch_so_the_journal_stays_at_its_bound(store: SqlStore) -> None:
    writer = JournalWriter(store.journal, keep=5)
    for batch in range(4):
        for n in range(3):
            writer.add(entry(A, batch * 3 + n))
        await writer.flush()
        assert len(await store.journal.list(A)) == min(3 * (batch + 1), 5)

    assert [e.data["n"] for e in await store.journal.list(A)] == [7, 8, 9, 10, 11]
