"""Crash recovery: responses that a dead server left ``queued``/``in_progress`` must not stay that way.

Two kinds have no background job lease to say whose they are:

* a streamed foreground response (``stream: true`` with ``store``), stored ``in_progress`` at
  ``response.created`` so that it can be retrieved while it runs;
* a background response stored ``queued`` whose job row was not written yet (the two writes are separate
  transactions; the client never got its 200).

While its server lives, such a response is leased: the server's heartbeat keeps a ``response_leases`` row for
it (``Pipeline.in_flight``). Once the server dies the row lapses, and the takeover pass of the background
worker on any live server ends the response ``failed`` with the real generic server error, as a background job
whose server died is (``server.engine.worker``). That works alike on SQLite and on PostgreSQL with several
replicas, one lease after the death.

On SQLite one server owns its database file, so at start-up every such response was left by the previous
process, leased or not: ``end_orphaned_streams`` ends them at once instead of a lease later. On PostgreSQL
another replica may be producing that very response, so only the lease can tell, and start-up does nothing.
"""

from __future__ import annotations

import logging

from server.engine.ids import IdFactory
from server.engine.pipeline import GENERIC_FAILURE
from server.engine.skeleton import ordered
from storage.base import Store
from storage.sql import SqlStore

log = logging.getLogger("openai_emulator.recovery")

_BATCH = 500


async def fail_response(store: Store, tenant: str, response_id: str, request_id: str) -> bool:
    """End a response nobody is producing any more as ``failed`` with the generic server error (naming
    ``request_id``); False when it is gone or already ended."""
    record = await store.responses.get(tenant, response_id)
    if record is None or record.status not in ("queued", "in_progress"):
        return False
    error = {"code": "server_error", "message": GENERIC_FAILURE.format(request_id=request_id)}
    body = ordered(record.body | {"status": "failed", "error": error, "usage": None})
    return await store.responses.update(tenant, response_id, status="failed", body=body, output_items=body["output"])


async def end_orphaned_streams(store: Store, ids: IdFactory) -> int:
    """SQLite, at start-up: end as ``failed`` what a previous process left unfinished; how many there were."""
    if not isinstance(store, SqlStore) or store.engine.dialect.name != "sqlite":
        return 0
    ended = 0
    while True:
        orphans = await store.background.find_orphans(alive_at=None, created_before=None, limit=_BATCH)
        progress = 0
        for orphan in orphans:
            progress += await fail_response(store, orphan.tenant, orphan.response_id, ids.new("req"))
        ended += progress
        if len(orphans) < _BATCH or not progress:
            break
    if ended:
        log.warning("ended %d responses left unfinished (and unowned) by a previous process as failed", ended)
    return ended
