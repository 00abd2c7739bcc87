"""The Responses resource: what each route does, independent of HTTP.

Validation steps 1-6 (shape) happen in ``server.protocol`` before a request reaches this service; here come
the rest in the real API's order (REFERENCE §B.4): server-state lookups (model, conversation, prompt,
previous response, item references: ``assembly``), the empty-input check, model capabilities, tool-call
pairing, then fitting the context into the model's window (automatic compaction, truncation: ``window``).
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from scenarios.base import BackendEvent, BackendRequest, Compaction, Fail
from scenarios.catalogue import ModelInfo, resolve, with_overrides
from server.engine.assembly import Assembly, ContextAssembler
from server.engine.attachments import check_attachments
from server.engine.background import Background
from server.engine.chain import DEFAULT_MAX_ITEMS as DEFAULT_CHAIN_CACHE_ITEMS
from server.engine.compaction import Compactor, flatten, is_user_message, summary_cost
from server.engine.emitter import Emitter, EmitterOptions
from server.engine.ids import Clock, IdFactory, ResponseIds
from server.engine.opaque import DEFAULT_SECRET
from server.engine.pipeline import Pacing, Pipeline, Run
from server.engine.prompts import PromptLibrary
from server.engine.ratelimit import RateLimiter
from server.engine.scripting import Choice, PlannedBackend, Scripting
from server.engine.skeleton import build_skeleton, effective_effort, ordered
from server.engine.tokens import count_input
from server.engine.window import ContextWindowExceeded, compaction_threshold, fit, input_limit
from server.errors import InvalidRequestError, NotFoundError, response_not_found
from server.protocol import check_id, check_model_capabilities
from server.protocol.requests import CreateResponseRequest, ListQuery, RetrieveQuery
from storage.base import JobRecord, Store
from storage.frozen import checked_frozen

JSONObject = dict[str, Any]

_EMPTY_INPUT = "One of \"input\" or \"previous_response_id\" or 'prompt' or 'conversation' must be provided."
# [inferred] wording for a compaction with nothing to compact, modelled on the create message above.
_NOTHING_TO_COMPACT = 'One of "input" or "previous_response_id" must be provided.'
# Observed only in non-streaming bodies (REFERENCE §C.1), so it is added when rendering JSON, not stored.
_BILLING = {"payer": "developer"}


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    strict_models: bool = False
    flat_error_events: bool = False
    pacing: Pacing = Pacing()
    model_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    prompts: PromptLibrary = field(default_factory=PromptLibrary)
    secret: str = DEFAULT_SECRET  # seals reasoning and compaction content (setting compaction_secret)
    chain_cache_items: int = DEFAULT_CHAIN_CACHE_ITEMS  # (setting chain_cache_items, server.engine.chain)


@checked_frozen  # made per request (issue 8: storage.frozen)
class _Fitted:
    """The context as the model gets it, and what it bills."""

    items: list[JSONObject]
    input_tokens: int
    leading: tuple[BackendEvent, ...] = ()


def _logprobs_wanted(request: CreateResponseRequest) -> int | None:
    """How many alternatives each output token's logprob lists; None when logprobs were not asked for."""
    if "message.output_text.logprobs" in request.include or request.top_logprobs:
        return request.top_logprobs or 0
    return None


def _with_billing(response: JSONObject) -> JSONObject:
    """``response`` with ``billing``, in key order. In an ordered Response ``billing`` comes right after
    ``background``, the fifth key: inserted there, the copy stays in C (reordering all ~36 keys was ~1.5 us of
    every create and retrieve, issue 8)."""
    items = iter(response.items())
    head = dict(islice(items, 5))
    if len(head) == 5 and next(reversed(head)) == "background" and "billing" not in response:
        head["billing"] = _BILLING
        head.update(items)
        return head
    return ordered(response | {"billing": _BILLING})


def _usage(input_tokens: int, output_tokens: int) -> JSONObject:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }


class ResponsesService:
    """Create, retrieve, delete and list responses for a tenant."""

    def __init__(
        self,
        *,
        store: Store,
        scripting: Scripting,
        ids: IdFactory,
        clock: Clock,
        options: ServiceOptions | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._store = store
        self._limiter = limiter
        self._scripting = scripting
        self._ids = ids
        self._clock = clock
        self._options = options = options or ServiceOptions()
        self._pipeline = Pipeline(store, limiter=limiter)
        self.background: Background | None = None  # wired by the app, which also starts the worker
        self._compactor = Compactor(options.secret)
        self._assembler = ContextAssembler(
            store,
            prompts=options.prompts,
            compactor=self._compactor,
            secret=options.secret,
            chain_cache_items=options.chain_cache_items,
        )
        for name, changes in options.model_overrides.items():
            with_overrides(resolve(name), changes)  # a bad override stops start-up, not the first request

    # --- create ---------------------------------------------------------------------------------------------

    async def prepare(
        self,
        tenant: str,
        request: CreateResponseRequest,
        *,
        request_id: str = "",
        headers: Mapping[str, str] | None = None,
        streaming: bool = False,
        response_id: str | None = None,
        created_at: int | None = None,
    ) -> Run:
        """Validate against server state and decide everything the run needs; nothing is stored yet.

        A context over the model's window is the real 400, except in a stream, where (as observed) the
        response is created and then fails with ``context_length_exceeded``.
        """
        model = self._model(request.model)
        assembly = await self._assembler.assemble(tenant, request, ids := self._ids.for_response(response_id))
        request = assembly.request
        if not request.input and not (request.previous_response_id or request.prompt or request.conversation):
            raise InvalidRequestError(_EMPTY_INPUT, code="missing_required_parameter")
        check_model_capabilities(request, model)
        assembly.check_tool_call_pairing()
        check_attachments(request.input)
        created = created_at if created_at is not None else int(self._clock.now())
        skeleton = build_skeleton(request, model, response_id=ids.response_id, created_at=created)
        try:
            fitted = self._fit(request, model, assembly, skeleton["tools"], ids)
        except ContextWindowExceeded as exc:
            if not streaming:
                raise
            failure = Fail("context_length_exceeded", exc.message, param=exc.param)
            fitted = _Fitted(items=assembly.model_items, input_tokens=0, leading=(failure,))
        # Obfuscation pads events someone will read: a stream's, or a background run's (stored for replay).
        # A plain create's events only feed the fold, and drawing random padding for them was ~6% of it.
        padded = streaming or request.background
        return self._run(tenant, request, model, assembly, fitted, skeleton, ids, request_id, headers or {}, padded)

    async def create(
        self,
        tenant: str,
        request: CreateResponseRequest,
        *,
        request_id: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> JSONObject:
        """The non-streaming create: the final Response (for background, the queued one)."""
        run = await self.prepare(tenant, request, request_id=request_id, headers=headers)
        if request.background:
            return _with_billing(await self._submit(run, request, headers or {}))
        return _with_billing(await self._pipeline.complete(run))

    async def stream(
        self,
        tenant: str,
        request: CreateResponseRequest,
        *,
        request_id: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[JSONObject]:
        """The streaming create. Every error the request can have is raised here, before the first event,
        so that it reaches the client as an ordinary JSON error with its HTTP status."""
        run = await self.prepare(tenant, request, request_id=request_id, headers=headers, streaming=True)
        if request.background:  # the stream is the event log's tail: the response runs on whatever happens
            queued = await self._submit(run, request, headers or {})
            record = await self._store.responses.get(tenant, queued["id"])
            assert record is not None
            return await self._require_background().replay(record, starting_after=None, obfuscation=True)
        run.persist_progress = True
        run.streaming = True
        return self._pipeline.events(run)

    # --- background -----------------------------------------------------------------------------------------

    @property
    def pipeline(self) -> Pipeline:
        return self._pipeline

    def _require_background(self) -> Background:
        if self.background is None:
            raise RuntimeError("background mode is not wired (the app sets ResponsesService.background)")
        return self.background

    async def _submit(self, run: Run, request: CreateResponseRequest, headers: Mapping[str, str]) -> JSONObject:
        background = self._require_background()
        hold = background.hold_for(headers, run.lifecycle)
        return await background.submit(run, body=request.raw, headers=headers, hold=hold)

    async def rebuild(self, job: JobRecord) -> Run:
        """The run of a background job claimed on a server that did not accept it (same response id)."""
        payload = job.payload
        return await self.prepare(
            job.tenant,
            CreateResponseRequest.from_body(payload["body"]),
            request_id=str(payload.get("request_id", "")),
            headers=payload.get("headers") or {},
            streaming=bool(payload.get("stream")),
            response_id=job.response_id,
            created_at=int(payload["created_at"]),
        )

    async def cancel(self, tenant: str, response_id: str) -> JSONObject:
        check_id(response_id, param="response_id", prefix="resp")
        record = await self._store.responses.get(tenant, response_id)
        if record is None:
            raise response_not_found(response_id)
        return _with_billing(await self._require_background().cancel(record))

    async def replay(self, tenant: str, response_id: str, query: RetrieveQuery) -> AsyncIterator[JSONObject]:
        """``GET /v1/responses/{id}?stream=true``: the stored stream after ``starting_after``, then its tail."""
        check_id(response_id, param="response_id", prefix="resp")
        record = await self._store.responses.get(tenant, response_id)
        if record is None:
            raise response_not_found(response_id)
        return await self._require_background().replay(
            record, starting_after=query.starting_after, obfuscation=query.include_obfuscation
        )

    def _model(self, name: str) -> ModelInfo:
        if name == "":
            raise InvalidRequestError("The requested model '' does not exist.", param="model", code="model_not_found")
        model = resolve(name)
        override = self._options.model_overrides.get(name)
        if override is not None:
            model = with_overrides(model, override)
        if not model.known and self._options.strict_models:
            raise NotFoundError(
                f"The model `{name}` does not exist or you do not have access to it.", code="model_not_found"
            )
        return model

    def _fit(
        self,
        request: CreateResponseRequest,
        model: ModelInfo,
        assembly: Assembly,
        tools: list[JSONObject],
        ids: ResponseIds,
    ) -> _Fitted:
        """Automatic compaction (``context_management``), then the window (``truncation``)."""
        base = count_input(request.instructions, (), tools)
        limit = input_limit(model, request.max_output_tokens)
        leading: tuple[BackendEvent, ...] = ()
        threshold = compaction_threshold(request.context_management, limit)
        entries, cost = assembly.entries, assembly.cost
        if entries and threshold is not None and base + cost > threshold:
            items = flatten(entries)
            marker = self._compactor.item(items, ids.item("cmp"))
            entries = [self._compactor.block(items, marker, new=True)]
            cost = entries[0].cost
            leading = (Compaction(marker["encrypted_content"]),)
        kept, input_tokens = fit(entries, base_tokens=base, limit=limit, truncation=request.truncation, cost=cost)
        items = assembly.kept_items(kept) if entries is assembly.entries else flatten(kept)  # (else compacted)
        return _Fitted(items=items, input_tokens=input_tokens, leading=leading)

    def _run(
        self,
        tenant: str,
        request: CreateResponseRequest,
        model: ModelInfo,
        assembly: Assembly,
        fitted: _Fitted,
        skeleton: JSONObject,
        ids: ResponseIds,
        request_id: str,
        headers: Mapping[str, str],
        padded: bool,
    ) -> Run:
        effort = effective_effort(request, model)
        reasoning = copy.deepcopy(skeleton["reasoning"]) if effort not in (None, "none") else None
        backend_request = BackendRequest(
            model=request.model,
            instructions=request.instructions,
            context=fitted.items,
            tools=skeleton["tools"],
            tool_choice=skeleton["tool_choice"],
            parallel_tool_calls=request.parallel_tool_calls,
            text_format=skeleton["text"]["format"],
            reasoning=reasoning,
            max_output_tokens=request.max_output_tokens,
            metadata=request.metadata,
            # Counted on the whole context, so that truncation never changes which scripted turn answers.
            turn_index=assembly.turn_index(),
            headers=headers,
        )
        failing = any(isinstance(event, Fail) for event in fitted.leading)
        # A run that fails before the model speaks must not consume a scripted turn.
        choice = Choice(PlannedBackend("none", ())) if failing else self._scripting.choose(tenant, backend_request)
        options = EmitterOptions(
            obfuscate=padded and (request.stream_options or {}).get("include_obfuscation", True) is not False,
            input_tokens=fitted.input_tokens,
            max_output_tokens=request.max_output_tokens,
            stream_reasoning_summary=bool(reasoning and reasoning.get("summary")),
            message_phase=model.message_phase,
            requested_service_tier=request.service_tier,
            flat_error_events=self._options.flat_error_events,
            secret=self._options.secret,
            logprobs=_logprobs_wanted(request),
            coalesce_deltas=not padded,  # no stream and no event log: nobody reads the deltas
        )
        if self._limiter is not None and not failing:
            self._limiter.admit(tenant, request.model, tokens=options.input_tokens)
        emitter = Emitter(skeleton=skeleton, ids=ids, id_factory=self._ids, clock=self._clock, options=options)
        return Run(
            tenant=tenant,
            backend=choice.backend,
            backend_request=backend_request,
            emitter=emitter,
            input_items=assembly.new_items,
            store=request.store,
            previous_response_id=request.previous_response_id,
            request_id=request_id,
            pacing=choice.pacing or self._options.pacing,
            drop_after_events=choice.drop_after_events,
            lifecycle=choice.background,
            leading=fitted.leading,
        )

    # --- compact --------------------------------------------------------------------------------------------

    async def compact(self, tenant: str, request: CreateResponseRequest) -> JSONObject:
        """``POST /v1/responses/compact``: every user message of the context, then one compaction item.

        Nothing is stored: the compaction item carries the context itself. Usage bills the whole context as
        input and the compaction item's own content (see ``compaction.summary_cost``) as output.
        """
        self._model(request.model)
        assembly = await self._assembler.assemble(tenant, request, ids := self._ids.for_response())
        items = assembly.model_items
        if not items:
            raise InvalidRequestError(_NOTHING_TO_COMPACT, code="missing_required_parameter")
        assembly.check_tool_call_pairing()
        marker = self._compactor.item(items, ids.item("cmp"))
        input_tokens = count_input(request.instructions, ()) + assembly.cost
        return {
            "id": ids.response_id,
            "object": "response.compaction",
            "created_at": int(self._clock.now()),
            "output": [*(copy.deepcopy(item) for item in items if is_user_message(item)), marker],
            "usage": _usage(input_tokens, summary_cost(items)),
        }

    # --- read, delete, list ---------------------------------------------------------------------------------

    async def retrieve(self, tenant: str, response_id: str, query: RetrieveQuery) -> JSONObject:
        check_id(response_id, param="response_id", prefix="resp")
        record = await self._store.responses.get(tenant, response_id)
        if record is None:
            raise response_not_found(response_id)
        if self.background is not None:
            await self.background.note_poll(record)  # lifecycle control counts polls
        return _with_billing(record.body)

    async def delete(self, tenant: str, response_id: str) -> JSONObject:
        check_id(response_id, param="response_id", prefix="resp")
        if not await self._store.responses.delete(tenant, response_id):
            raise response_not_found(response_id)
        return {"id": response_id, "object": "response.deleted", "deleted": True}

    async def list_input_items(self, tenant: str, response_id: str, query: ListQuery) -> JSONObject:
        check_id(response_id, param="response_id", prefix="resp")
        page = await self._store.responses.list_input_items(
            tenant, response_id, after=query.after, limit=query.limit, order=query.order
        )
        if page is None:
            raise response_not_found(response_id)
        return {
            "object": "list",
            "data": page.data,
            "first_id": page.data[0]["id"] if page.data else None,
            "last_id": page.data[-1]["id"] if page.data else None,
            "has_more": page.has_more,
        }

    async def count_input_tokens(self, tenant: str, request: CreateResponseRequest) -> JSONObject:
        """``POST /v1/responses/input_tokens``: agrees with ``usage.input_tokens`` of the same create.

        With ``truncation: "auto"`` it counts what would be kept; a context over the window is counted whole
        rather than refused (the endpoint exists to find that out) [inferred].
        """
        model = self._model(request.model)
        assembly = await self._assembler.assemble(tenant, request, ids := self._ids.for_response())
        request = assembly.request
        check_model_capabilities(request, model)
        skeleton = build_skeleton(request, model, response_id=ids.response_id, created_at=0)
        try:
            tokens = self._fit(request, model, assembly, skeleton["tools"], ids).input_tokens
        except ContextWindowExceeded:
            tokens = count_input(request.instructions, (), skeleton["tools"]) + assembly.cost
        return {"object": "response.input_tokens", "input_tokens": tokens}
