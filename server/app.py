"""``create_app(settings)``: the ASGI application.

The store is opened in the lifespan (so each worker process opens its own connections after any fork) and
disposed of at shutdown; routes reach the live services through ``Runtime``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from scenarios.base import Backend
from scenarios.files import load_paths
from scenarios.registry import BackendRegistry
from scenarios.scripted import Scripts
from server.api import control, conversations, health, models, observability, openapi, responses
from server.api.auth import Authenticator
from server.api.front import ApiFront, LastResort
from server.api.journal import JournalWriter
from server.api.rendering import PrettyJSONResponse, error_response
from server.api.responses import HotRoutes
from server.config import Settings
from server.engine.background import Background, BackgroundOptions, LifecycleHold
from server.engine.conversations import ConversationsService
from server.engine.ids import Clock, IdFactory, SystemClock
from server.engine.notify import EventNotifier
from server.engine.pipeline import Pacing
from server.engine.prompt_files import load_prompt_paths
from server.engine.prompts import PromptLibrary
from server.engine.ratelimit import RateLimiter
from server.engine.recovery import end_orphaned_streams
from server.engine.scripting import Scripting
from server.engine.service import ResponsesService, ServiceOptions
from server.engine.webhooks import WebhookSender
from server.engine.worker import BackgroundWorker
from server.errors import APIError, InvalidRequestError, invalid_url
from server.gc_tuning import collect_young_garbage
from storage.base import Store
from storage.sql import open_store

log = logging.getLogger("openai_emulator")


@dataclass
class Runtime:
    """The live parts, set up by the lifespan."""

    store: Store | None = None
    scripting: Scripting | None = None
    journal_writer: JournalWriter | None = None
    responses: ResponsesService | None = None
    conversations: ConversationsService | None = None

    def require_store(self) -> Store:
        if self.store is None:
            raise RuntimeError("the app has not started (lifespan not run)")
        return self.store

    def require_responses(self) -> ResponsesService:
        if self.responses is None:
            raise RuntimeError("the app has not started (lifespan not run)")
        return self.responses

    def require_conversations(self) -> ConversationsService:
        if self.conversations is None:
            raise RuntimeError("the app has not started (lifespan not run)")
        return self.conversations


def create_app(settings: Settings, *, clock: Clock | None = None, end_orphans: bool = True) -> EmulatorApp:
    """Build the emulator. ``clock`` lets tests inject a virtual clock. ``end_orphans=False`` skips the start-up
    sweep of ``server.engine.recovery``: the workers of ``serve --workers N`` share one SQLite file, so their
    parent sweeps once before forking, and a restarted worker must not end its siblings' live streams."""
    ids = IdFactory(settings.seed)
    clock = clock or SystemClock()
    runtime = Runtime()
    registry = build_registry(settings)
    # Loaded before the app exists, so a bad scenario file stops start-up with its file:line message.
    scripting = Scripting(
        Scripts(load_paths(settings.scenario_paths)),
        registry,
        strict=settings.strict_scenarios,
        seed=settings.seed,
    )
    runtime.scripting = scripting
    prompts = PromptLibrary(load_prompt_paths(settings.prompt_paths))  # likewise: bad files stop start-up
    auth = Authenticator(allowed_keys=settings.api_keys, key_projects=settings.key_projects)
    limiter = RateLimiter(
        clock,
        requests_per_minute=settings.rate_limit_requests_per_minute,
        tokens_per_minute=settings.rate_limit_tokens_per_minute,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(settings.resolved_database_url())
        if end_orphans:
            await end_orphaned_streams(store, ids)  # SQLite: streams a crash cut off do not stay in_progress
        runtime.store = store
        runtime.responses = ResponsesService(
            store=store,
            scripting=scripting,
            ids=ids,
            clock=clock,
            limiter=limiter if limiter.enabled else None,
            options=ServiceOptions(
                strict_models=settings.strict_models,
                flat_error_events=settings.flat_error_events,
                model_overrides=settings.model_overrides,
                prompts=prompts,
                secret=settings.compaction_secret,
                chain_cache_items=settings.chain_cache_items,
                pacing=Pacing(
                    first_delta_seconds=settings.time_to_first_token_ms / 1000,
                    per_delta_seconds=1 / settings.tokens_per_second if settings.tokens_per_second else 0.0,
                    jitter=settings.pacing_jitter,
                    seed=settings.seed,
                ),
            ),
        )
        runtime.conversations = ConversationsService(store=store, ids=ids, clock=clock)
        worker, webhooks = start_background(settings, store, runtime.responses, clock=clock, ids=ids)
        if settings.journal:
            runtime.journal_writer = JournalWriter(store.journal, keep=settings.journal_keep)
            runtime.journal_writer.start()
        young_garbage = asyncio.create_task(collect_young_garbage(), name="collect-young-garbage")
        log.info("openai-emulator ready database=%s", _redact_url(settings.resolved_database_url()))
        try:
            yield
        finally:
            young_garbage.cancel()
            await worker.stop()
            if webhooks is not None:
                await webhooks.close()
            if runtime.journal_writer is not None:
                await runtime.journal_writer.close()
                runtime.journal_writer = None
            await store.close()
            runtime.store = runtime.responses = runtime.conversations = None

    app = EmulatorApp(
        title="openai-emulator",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.runtime = runtime
    app.state.authenticator = auth
    app.state.admin_token = settings.admin_token
    hot = HotRoutes(runtime.require_responses, auth)
    app.include_router(health.create_router(runtime.require_store))
    app.include_router(responses.create_router(runtime.require_responses))
    app.router.routes.extend([hot.create_route, hot.retrieve_route])
    app.include_router(conversations.create_router(runtime.require_conversations))
    app.include_router(models.create_router())
    app.include_router(openapi.create_router())  # GET /openapi.json, no auth
    app.include_router(observability.create_router())
    app.include_router(control.create_router(lambda: scripting, runtime.require_store, lambda: runtime.journal_writer))
    _install_error_handlers(app)
    app.add_middleware(LastResort)  # inside FastAPI's ServerErrorMiddleware, which would answer in plain text
    app.install_front(
        hot,
        ApiFront(
            app.dispatch,
            ids=ids,
            clock=clock,
            max_body_bytes=settings.max_body_bytes,
            journal=lambda: runtime.journal_writer,
            journal_body_limit=settings.journal_body_limit,
            limiter=limiter,
        ),
    )
    return app


class EmulatorApp(FastAPI):
    """FastAPI with ``ApiFront`` around every HTTP request, and the hot routes called before FastAPI's router.

    A subclass rather than a wrapper, so that the app stays the FastAPI object tests and servers know
    (``state``, lifespan, routes).
    """

    _hot: HotRoutes | None = None
    _front: ASGIApp | None = None

    def install_front(self, hot: HotRoutes, front: ASGIApp) -> None:
        self._hot, self._front = hot, front

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._front is not None:
            await self._front(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A hot route's handler directly, anything else through FastAPI (whose stack has ``LastResort``)."""
        handler = self._hot.match(scope) if self._hot is not None else None
        if handler is not None:
            await handler(scope, receive, send)  # ApiFront is its last resort
        else:
            await super().__call__(scope, receive, send)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def api_error(request: Request, exc: APIError) -> PrettyJSONResponse:
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> PrettyJSONResponse:
        # Unknown path or method: the real API says "Invalid URL (METHOD /path)" with a 404 for both.
        if exc.status_code in (404, 405):
            return error_response(invalid_url(request.method, request.url.path))
        return error_response(APIError(str(exc.detail), status_code=exc.status_code, type="invalid_request_error"))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> PrettyJSONResponse:
        # Routes declare no FastAPI-validated parameters, so this is a safety net: never answer a 422.
        return error_response(InvalidRequestError("The request could not be validated."))


def _redact_url(url: str) -> str:
    """A database URL without its password, for logs."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else f"{scheme}://{user}@{host}"


def build_registry(settings: Settings) -> BackendRegistry:
    """The built-in backends, installed plugins, and the model routing of the settings."""
    registry = BackendRegistry(routes=settings.model_backends)
    for backend in _builtin_backends(settings):
        registry.register(backend)
    registry.load_entry_points()
    problems = registry.check_routes()
    if problems:
        raise ValueError("; ".join(problems))
    return registry


def _builtin_backends(settings: Settings) -> list[Backend]:
    from scenarios.demo import DemoBackend  # the demo model paces itself like a person typing

    return [DemoBackend(words_per_second=settings.demo_words_per_second)]


def start_background(
    settings: Settings, store: Store, service: ResponsesService, *, clock: Clock, ids: IdFactory
) -> tuple[BackgroundWorker, WebhookSender | None]:
    """Background mode: the submission side on the service, this server's worker, and webhooks if set."""
    options = BackgroundOptions(
        lease_seconds=settings.background_lease_seconds,
        heartbeat_seconds=settings.background_heartbeat_seconds,
        concurrency=settings.background_concurrency,
        replay_window_seconds=settings.stream_replay_window_seconds,
        store_false_ttl_seconds=settings.background_store_false_ttl_seconds,
        shutdown_grace_seconds=settings.background_shutdown_grace_seconds,
        hold=LifecycleHold(
            queued_seconds=settings.background_queued_seconds,
            queued_polls=settings.background_queued_polls,
            in_progress_seconds=settings.background_in_progress_seconds,
            in_progress_polls=settings.background_in_progress_polls,
        ),
    )
    background = Background(
        store=store, pipeline=service.pipeline, clock=clock, notifier=EventNotifier(), options=options
    )
    service.background = background
    webhooks = None
    if settings.webhook_url:
        webhooks = WebhookSender(url=settings.webhook_url, secret=settings.webhook_secret or "", ids=ids, clock=clock)
        webhooks.start()
        background.finished = webhooks.response_finished  # type: ignore[method-assign]
    worker = BackgroundWorker(
        store=store,
        pipeline=service.pipeline,
        background=background,
        rebuild=service.rebuild,
        clock=clock,
        ids=ids,
        options=options,
    )
    worker.start()
    return worker, webhooks
