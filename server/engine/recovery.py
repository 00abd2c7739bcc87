"""Start-up recovery: responses that a crash cut off must not stay ``queued``/``in_progress`` forever.

Two kinds have nothing that would ever finish them after their server is killed (SIGKILL, power loss, OOM):

* a streamed foreground response (``stream: true`` with ``store``), stored ``in_progress`` at
  ``response.created`` so that it can be retrieved while it runs; it has no lease, unlike background jobs,
  whose dead server's jobs the worker's takeover ends ``failed``;
* a background response stored ``queued`` whose job row was not written yet (the two writes are separate
  transactions; the client never got its 200).

On SQLite, one server owns its database file, so at start-up every such response was cut by the previous
process's death: it is ended ``failed`` with the real generic server error, as a background job whose server
died is. On PostgreSQL, several replicas share the database and another one may be running that very
response, so nothing is swept there (RELIABILITY.md says so).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import and_, exists, or_, select

from server.engine.ids import IdFactory
from server.engine.pipeline import GENERIC_FAILURE
from server.engine.skeleton import ordered
from storage.base import Store
from storage.sql import SqlStore
from storage.tables import background_jobs, responses

log = logging.getLogger("openai_emulator.recovery")


async def end_orphaned_streams(store: Store, ids: IdFactory) -> int:
    """End as ``failed`` the foreground responses a previous process left unfinished; how many there were."""
    if not isinstance(store, SqlStore) or store.engine.dialect.name != "sqlite":
        return 0
    engine = store.engine

    def find() -> list[tuple[str, str]]:
        has_job = exists().where(background_jobs.c.response_id == responses.c.id)
        query = select(responses.c.tenant, responses.c.id).where(
            responses.c.status.in_(("queued", "in_progress")),
            or_(responses.c.background.is_(False), and_(responses.c.background.is_(True), ~has_job)),
        )
        with engine.connect() as conn:
            return [(row.tenant, row.id) for row in conn.execute(query)]

    orphans = await asyncio.to_thread(find)
    for tenant, response_id in orphans:
        record = await store.responses.get(tenant, response_id)
        if record is None or record.status not in ("queued", "in_progress"):
            continue
        error = {"code": "server_error", "message": GENERIC_FAILURE.format(request_id=ids.new("req"))}
        body = ordered(record.body | {"status": "failed", "error": error, "usage": None})
        await store.responses.update(tenant, response_id, status="failed", body=body, output_items=body["output"])
    if orphans:
        log.warning("ended %d responses left unfinished (and unowned) by a previous process as failed", len(orphans))
    return len(orphans)
