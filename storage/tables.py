"""SQLAlchemy Core tables: indexed columns for lookups, a JSON ``body`` for the object as the API emits it.

Every row carries its ``tenant`` so that every query can filter on it (see ``storage.base``). The tables
are dialect-neutral (even the JSON columns: see ``JSONDocument``); dialect differences live in
``storage.sql``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    event,
    false,
    inspect,
    text,
)
from sqlalchemy.engine import Connection

# Named constraints and indexes, so that future migrations can refer to them on every dialect.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Plain JSON on every dialect, deliberately not JSONB on PostgreSQL: JSONB reorders object keys, rewrites
# numbers (6.02e+23 comes back as an integer) and rejects "\u0000", which any user may send in a text. Bodies
# must come back exactly as the API emitted them, and nothing queries inside them (lookups use the indexed
# columns), so JSONB would cost fidelity and buy nothing. PostgreSQL's json type keeps the text as sent.
JSONDocument = JSON()

# The statuses of a response still being produced. Written out literally (never as bound parameters) wherever
# it filters responses, so that SQLite and PostgreSQL can use the partial index below, which holds only the
# few rows in flight: the takeover pass looks for orphans among them every fraction of a lease.
IN_FLIGHT = "status IN ('queued', 'in_progress')"

responses = Table(
    "responses",
    metadata,
    Column("id", String, primary_key=True),
    Column("tenant", String, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("status", String, nullable=False),
    Column("previous_response_id", String, nullable=True),
    # No longer read, and written as []: it held the previous_response_id chain (oldest first), which made each
    # row of a chain 1,000 deep carry ~58 KB of ids, written on every create and read with every previous
    # response (issue 8). A recursive query on previous_response_id finds the chain instead
    # (``ResponseRepo.chain_items``). Kept, not dropped: files and PostgreSQL databases made by older versions
    # have it NOT NULL, and dropping a column rewrites the whole table on SQLite.
    Column("ancestors", JSONDocument, nullable=False),
    Column("background", Boolean, nullable=False, default=False, server_default=false()),
    Column("conversation_id", String, nullable=True),
    # Soft delete: a deleted response's items must stay readable as context of responses chained from it.
    Column("deleted", Boolean, nullable=False, default=False, server_default=false()),
    Column("body", JSONDocument, nullable=False),
    # No (tenant, id) index: the primary key finds a response by id, and every query names its id. A second
    # index was one more B-tree page written per create, ~11 us of its SQLite time (issue 8).
)

# Dropped by ``_upgrade`` from databases made before it went.
_REDUNDANT_RESPONSES_INDEX = "ix_responses_tenant_id"

# Built from the table's column, so it belongs to the table: created with it, and by ``_upgrade`` on older files.
RESPONSES_IN_FLIGHT = Index(
    "ix_responses_in_flight", responses.c.created_at, sqlite_where=text(IN_FLIGHT), postgresql_where=text(IN_FLIGHT)
)

response_items = Table(
    "response_items",
    metadata,
    # The primary key doubles as the index for listing a response's items in position order.
    Column(
        "response_id",
        String,
        ForeignKey("responses.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("role", String, primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("tenant", String, nullable=False),
    # Not unique: the same item may be sent again as input of a later response, keeping its id.
    Column("id", String, nullable=False),
    Column("body", JSONDocument, nullable=False),
    CheckConstraint("role IN ('input', 'output')", name="role"),
    Index(None, "tenant", "id"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", String, primary_key=True),
    Column("tenant", String, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("metadata", JSONDocument, nullable=False),
    # The position the next appended item gets. An append bumps it with one UPDATE in its own transaction,
    # which takes the row's write lock (PostgreSQL) or the database's (SQLite): concurrent appends queue up
    # behind it, and each gets its own contiguous range of positions.
    Column("next_position", Integer, nullable=False, default=0, server_default="0"),
    # Soft delete: the real API keeps a deleted conversation's items (they only become unreachable).
    Column("deleted", Boolean, nullable=False, default=False, server_default=false()),
    Index(None, "tenant", "id"),
)

conversation_items = Table(
    "conversation_items",
    metadata,
    # The primary key doubles as the index for listing a conversation's items in position order.
    Column(
        "conversation_id",
        String,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("tenant", String, nullable=False),
    # Not unique: a client may add an item again with the id it already has.
    Column("id", String, nullable=False),
    Column("body", JSONDocument, nullable=False),
    Index(None, "tenant", "conversation_id", "id"),
)

journal = Table(
    "journal",
    metadata,
    # Autoincrement: entries of one tenant come back in the order they were written, across replicas.
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("tenant", String, nullable=False),
    Column("at", Float, nullable=False),
    Column("method", String, nullable=False),
    Column("path", String, nullable=False),
    Column("entry", JSONDocument, nullable=False),
    Index(None, "tenant", "at"),
)

# Background mode: the durable job queue and the event log that resumable streams replay.
background_jobs = Table(
    "background_jobs",
    metadata,
    Column("response_id", String, primary_key=True),
    Column("tenant", String, nullable=False),
    # queued -> running -> done. A job is claimed with a lease that its runner keeps renewing.
    Column("state", String, nullable=False),
    Column("payload", JSONDocument, nullable=False),  # what any replica needs to run it again
    Column("created_at", Float, nullable=False),
    Column("owner", String, nullable=True),
    Column("lease_expires_at", Float, nullable=True),
    # Written before anyone acts on it, so whichever server runs the job sees it.
    Column("cancel_requested", Boolean, nullable=False, default=False, server_default=false()),
    # Lifecycle control: stay queued until this time and this many polls; likewise in progress.
    Column("queued_until", Float, nullable=False, default=0.0),
    Column("queued_polls", Integer, nullable=False, default=0),
    Column("in_progress_until", Float, nullable=False, default=0.0),
    Column("in_progress_polls", Integer, nullable=False, default=0),
    Column("polls", Integer, nullable=False, default=0),
    # store=false background responses are kept this long for polling, then deleted.
    Column("expires_at", Float, nullable=True),
    Index(None, "state", "created_at"),
)

response_events = Table(
    "response_events",
    metadata,
    Column("response_id", String, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("tenant", String, nullable=False),
    Column("event", JSONDocument, nullable=False),
)

# Responses a live server is producing that no job lease covers: stored foreground streams, and background
# responses between their first write and their job's. Each server replaces its rows at every heartbeat; a
# response in flight with no live row here (and no job) was left by a dead server (server.engine.worker).
response_leases = Table(
    "response_leases",
    metadata,
    Column("response_id", String, primary_key=True),
    Column("owner", String, nullable=False),
    Column("lease_expires_at", Float, nullable=False),
    Index(None, "owner"),
)


@event.listens_for(metadata, "after_create")
def _upgrade(_target: MetaData, connection: Connection, **_kw: object) -> None:
    """Bring a database created by an older version up to these tables.

    ``create_all`` creates missing tables (``response_leases``) with their indexes, but nothing on tables that
    already exist. SQLAlchemy fires this after every ``create_all``, tables created or not, inside the
    transaction (and, on PostgreSQL, under the advisory lock) that ``storage.sql`` opens for it.
    """
    existing = {index["name"] for index in inspect(connection).get_indexes(responses.name)}
    if RESPONSES_IN_FLIGHT.name not in existing:  # added with response_leases
        RESPONSES_IN_FLIGHT.create(connection)
    if _REDUNDANT_RESPONSES_INDEX in existing:
        connection.execute(text(f"DROP INDEX {_REDUNDANT_RESPONSES_INDEX}"))
