"""``ResponseRepo.family_exists``: whether a tenant's stored responses include an id stem (for the
``store: false`` suffix of unknown item ids), on every backend."""

from __future__ import annotations

import pytest

from storage.sql import SqlStore
from tests.storage.test_response_repo import record

pytestmark = pytest.mark.anyio

STEM = "0123456789abcdef012345678"


async def test_a_stored_responses_stem_is_found_for_its_tenant_only(store: SqlStore) -> None:
    await store.responses.insert(record(f"resp_{STEM}fedcba9876543210fedcba987"), input_items=())
    assert await store.responses.family_exists("tenant-a", STEM)
    assert not await store.responses.family_exists("tenant-b", STEM)
    assert not await store.responses.family_exists("tenant-a", "f" * 25)


async def test_a_deleted_response_still_counts_and_odd_stems_never_match(store: SqlStore) -> None:
    response_id = f"resp_{STEM}fedcba9876543210fedcba987"
    await store.responses.insert(record(response_id), input_items=())
    assert await store.responses.delete("tenant-a", response_id)
    assert await store.responses.family_exists("tenant-a", STEM)
    # LIKE wildcards are not hex digits: they must not turn the lookup into a pattern.
    assert not await store.responses.family_exists("tenant-a", "%")
    assert not await store.responses.family_exists("tenant-a", "_" * 25)
