"""Settings: one pydantic-settings class, read once at start-up and passed in (``create_app(settings)``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# 7171: not taken by the usual dev servers (3000, 5000, 5173, 8000, 8080, 8888) nor by databases.
DEFAULT_PORT = 7171


class Settings(BaseSettings):
    """Every knob of the emulator. Environment variables use the prefix ``OPENAI_EMULATOR_``.

    List and mapping settings take JSON in the environment, e.g.
    ``OPENAI_EMULATOR_API_KEYS='["sk-a","sk-b"]'``.
    """

    model_config = SettingsConfigDict(env_prefix="OPENAI_EMULATOR_", extra="ignore")

    host: str = Field("127.0.0.1", description="Interface to listen on.")
    port: int = Field(DEFAULT_PORT, description="TCP port to listen on.")
    workers: int = Field(
        1,
        ge=1,
        description="Server processes forked by serve, sharing the port and the database (a file or PostgreSQL).",
    )
    data_dir: Path = Field(Path(".openai-emulator"), description="Directory for the default SQLite database file.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL. Default: sqlite:///<data_dir>/emulator.db. "
        "'sqlite://' is in-memory; 'postgresql://user@host/db' for several replicas.",
    )
    log_level: Literal["critical", "error", "warning", "info", "debug"] = Field("info", description="Log level.")
    log_format: Literal["text", "json"] = Field(
        "text",
        description="Log lines as 'text' (key=value fields) or 'json' (one object a line); one line per request.",
    )
    strict_models: bool = Field(
        False,
        description="Answer unknown model names with the real 404 model_not_found instead of accepting them.",
    )
    api_keys: list[str] = Field(
        default_factory=list,
        description="Allow-list of API keys. Empty: any key is accepted and each key is its own tenant.",
    )
    key_projects: dict[str, str] = Field(
        default_factory=dict,
        description="Map of API key to project name; keys mapped to one project share its data.",
    )
    time_to_first_token_ms: float = Field(
        0, ge=0, description="Pause before the first delta of every reply (streamed or not)."
    )
    tokens_per_second: float = Field(0, ge=0, description="Pace of deltas; 0 sends them as fast as possible.")
    pacing_jitter: float = Field(
        0, ge=0, le=1, description="Random +/- fraction applied to each pause (seeded: reproducible)."
    )
    flat_error_events: bool = Field(
        False,
        description="Send mid-stream `error` events flat, as the SDK types them, instead of nested as the real "
        "API does (the nested form makes the Python SDK raise APIError at once).",
    )
    scenario_paths: list[Path] = Field(
        default_factory=list,
        description="Scenario files, or directories of them (*.yaml, *.yml, *.json), loaded at start-up.",
    )
    strict_scenarios: bool = Field(
        False, description="A request no scenario matches is a 400 scenario_not_matched instead of the default model."
    )
    prompt_paths: list[Path] = Field(
        default_factory=list,
        description="Prompt template files, or directories of them (*.yaml, *.yml, *.json), loaded at start-up.",
    )
    model_overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Model name -> catalogue facts to replace (context_window, max_output_tokens, reasoning…); "
        "an overridden name counts as known.",
    )
    compaction_secret: str = Field(
        "openai-emulator",  # fixed by default, so every process and restart reads every other's content
        description="Key material for the emulator's opaque encrypted_content (reasoning and compaction items).",
    )
    model_backends: dict[str, str] = Field(
        default_factory=lambda: {"demo*": "demo"},
        description="Model-name glob -> backend name; other models go to the default (echo) model.",
    )
    demo_words_per_second: float = Field(
        25, ge=0, description="Typing pace of the demo model (models matching demo*); 0 answers at once."
    )
    rate_limit_requests_per_minute: int | None = Field(
        None, ge=1, description="Per-tenant request quota per minute (real 429s past it); none by default."
    )
    rate_limit_tokens_per_minute: int | None = Field(
        None, ge=1, description="Per-tenant token quota per minute (input at admission, output when done)."
    )
    background_queued_seconds: float = Field(
        0, ge=0, description="Background responses stay queued at least this long (emulator's clock)."
    )
    background_queued_polls: int = Field(0, ge=0, description="…and until retrieved this many times.")
    background_in_progress_seconds: float = Field(
        0, ge=0, description="Then stay in progress at least this long before the model answers."
    )
    background_in_progress_polls: int = Field(0, ge=0, description="…and until retrieved this many more times.")
    background_concurrency: int = Field(16, ge=1, description="Background jobs one server runs at once.")
    background_lease_seconds: float = Field(
        5, gt=0, description="A claimed job's lease; a server silent this long loses its jobs to another."
    )
    background_heartbeat_seconds: float = Field(
        0.5, gt=0, description="How often leases are renewed (and cancel requests from other servers seen)."
    )
    background_shutdown_grace_seconds: float = Field(
        5, ge=0, description="On shutdown, running jobs get this long to finish before they are handed back."
    )
    background_store_false_ttl_seconds: float = Field(
        600, gt=0, description="How long a store=false background response stays retrievable for polling."
    )
    stream_replay_window_seconds: float = Field(
        300, gt=0, description="Background streams can be replayed (GET …?stream=true) for this long."
    )
    webhook_url: str | None = Field(
        None, description="Deliver response.completed/failed/cancelled/incomplete webhooks for background responses."
    )
    webhook_secret: str | None = Field(
        None, description="Signing secret of the webhooks (whsec_… as the dashboard gives it, or any string)."
    )
    max_body_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1,
        description="Largest request body accepted; bigger ones get a 413 (counted as they arrive, never buffered).",
    )
    chain_cache_items: int = Field(
        20_000,
        ge=0,
        description="Items of previous_response_id chains kept in memory so chained requests need not re-read "
        "them (0: none). Bounds the memory the cache takes; chains past it are read from the database.",
    )
    journal: bool = Field(True, description="Keep the request journal (GET /__emulator__/journal).")
    journal_body_limit: int = Field(65_536, ge=0, description="Bytes of each request body the journal keeps.")
    journal_keep: int = Field(100_000, ge=1, description="Journal entries kept in all; older ones are trimmed.")
    admin_token: str | None = Field(
        None, description="When set, the control plane (/__emulator__/…) requires header X-Emulator-Admin-Token."
    )
    seed: int | None = Field(None, description="Seed for ids and generated content; the same seed gives the same ids.")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'emulator.db').as_posix()}"
