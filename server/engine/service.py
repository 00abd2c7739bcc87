"""The Responses resource: what each route does, independent of HTTP.

Validation steps 1-6 (shape) happen in ``server.protocol`` before a request reaches this service; here come
the rest in the real API's order (REFERENCE §B.4): server-state lookups (model, conversation, prompt,
previous response), the empty-input check, model capabilities, then tool-call pairing.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from scenarios.base import BackendRequest
from scenarios.catalogue import ModelInfo, resolve
from server.engine.attachments import check_attachments
from server.engine.context import ResolvedContext, check_tool_call_pairing, normalize_input, turn_index
from server.engine.emitter import Emitter, EmitterOptions
from server.engine.ids import Clock, IdFactory, ResponseIds
from server.engine.pipeline import Pacing, Pipeline, Run
from server.engine.ratelimit import RateLimiter
from server.engine.scripting import Scripting
from server.engine.skeleton import build_skeleton, effective_effort, ordered
from server.engine.tokens import count_input
from server.errors import InvalidRequestError, NotFoundError, conversation_not_found, response_not_found
from server.protocol import check_id, check_model_capabilities
from server.protocol.requests import CreateResponseRequest, ListQuery, RetrieveQuery
from storage.base import Store

JSONObject = dict[str, Any]

_EMPTY_INPUT = "One of \"input\" or \"previous_response_id\" or 'prompt' or 'conversation' must be provided."
# Observed only in non-streaming bodies (REFERENCE §C.1), so it is added when rendering JSON, not stored.
_BILLING = {"payer": "developer"}


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    strict_models: bool = False
    flat_error_events: bool = False
    pacing: Pacing = Pacing()


def _logprobs_wanted(request: CreateResponseRequest) -> int | None:
    """How many alternatives each output token's logprob lists; None when logprobs were not asked for."""
    if "message.output_text.logprobs" in request.include or request.top_logprobs:
        return request.top_logprobs or 0
    return None


def _with_billing(response: JSONObject) -> JSONObject:
    return ordered(response | {"billing": _BILLING})


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
        self._options = options or ServiceOptions()
        self._pipeline = Pipeline(store, limiter=limiter)

    # --- create ---------------------------------------------------------------------------------------------

    async def prepare(
        self,
        tenant: str,
        request: CreateResponseRequest,
        *,
        request_id: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> Run:
        """Validate against server state and decide everything the run needs; nothing is stored yet."""
        model = self._model(request.model)
        context = await self._resolve(tenant, request, ids := self._ids.for_response())
        if not request.input and not (request.previous_response_id or request.prompt or request.conversation):
            raise InvalidRequestError(_EMPTY_INPUT, code="missing_required_parameter")
        check_model_capabilities(request, model)
        check_tool_call_pairing(context.items)
        check_attachments(request.input)
        return self._run(tenant, request, model, context, ids, request_id, headers or {})

    async def create(
        self,
        tenant: str,
        request: CreateResponseRequest,
        *,
        request_id: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> JSONObject:
        """The non-streaming create: the final Response."""
        run = await self.prepare(tenant, request, request_id=request_id, headers=headers)
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
        run = await self.prepare(tenant, request, request_id=request_id, headers=headers)
        run.persist_progress = True
        run.streaming = True
        return self._pipeline.events(run)

    def _model(self, name: str) -> ModelInfo:
        if name == "":
            raise InvalidRequestError("The requested model '' does not exist.", param="model", code="model_not_found")
        model = resolve(name)
        if not model.known and self._options.strict_models:
            raise NotFoundError(
                f"The model `{name}` does not exist or you do not have access to it.", code="model_not_found"
            )
        return model

    async def _resolve(self, tenant: str, request: CreateResponseRequest, ids: ResponseIds) -> ResolvedContext:
        history: list[JSONObject] = []
        if request.conversation is not None:
            # Its items come first in the model's context (validation keeps previous_response_id out); the
            # pipeline appends this response's input and output to it once the response has finished.
            conversation_items = await self._store.conversations.all_items(tenant, request.conversation)
            if conversation_items is None:
                raise conversation_not_found(request.conversation)
            history = conversation_items
        if request.prompt is not None:
            raise NotFoundError(f"Prompt with id '{request.prompt.get('id')}' not found.")
        previous = None
        if request.previous_response_id is not None:
            previous = await self._store.responses.get(tenant, request.previous_response_id)
            if previous is None:
                raise InvalidRequestError(
                    f"Previous response with id '{request.previous_response_id}' not found.",
                    param="previous_response_id",
                    code="previous_response_not_found",
                )
            history = await self._store.responses.context_items(tenant, (*previous.ancestors, previous.id))
        return ResolvedContext(previous=previous, history=history, new_items=normalize_input(request.input, ids))

    def _run(
        self,
        tenant: str,
        request: CreateResponseRequest,
        model: ModelInfo,
        context: ResolvedContext,
        ids: ResponseIds,
        request_id: str,
        headers: Mapping[str, str],
    ) -> Run:
        created_at = int(self._clock.now())
        skeleton = build_skeleton(request, model, response_id=ids.response_id, created_at=created_at)
        items = context.items
        effort = effective_effort(request, model)
        reasoning = copy.deepcopy(skeleton["reasoning"]) if effort not in (None, "none") else None
        backend_request = BackendRequest(
            model=request.model,
            instructions=request.instructions,
            context=items,
            tools=skeleton["tools"],
            tool_choice=skeleton["tool_choice"],
            parallel_tool_calls=request.parallel_tool_calls,
            text_format=skeleton["text"]["format"],
            reasoning=reasoning,
            max_output_tokens=request.max_output_tokens,
            metadata=request.metadata,
            turn_index=turn_index(items),
            headers=headers,
        )
        choice = self._scripting.choose(tenant, backend_request)
        options = EmitterOptions(
            obfuscate=(request.stream_options or {}).get("include_obfuscation", True) is not False,
            input_tokens=count_input(request.instructions, items, skeleton["tools"]),
            max_output_tokens=request.max_output_tokens,
            stream_reasoning_summary=bool(reasoning and reasoning.get("summary")),
            message_phase=model.message_phase,
            requested_service_tier=request.service_tier,
            flat_error_events=self._options.flat_error_events,
            logprobs=_logprobs_wanted(request),
        )
        if self._limiter is not None:
            self._limiter.admit(tenant, request.model, tokens=options.input_tokens)
        emitter = Emitter(skeleton=skeleton, ids=ids, id_factory=self._ids, clock=self._clock, options=options)
        return Run(
            tenant=tenant,
            backend=choice.backend,
            backend_request=backend_request,
            emitter=emitter,
            input_items=context.new_items,
            store=request.store,
            previous_response_id=request.previous_response_id,
            ancestors=context.ancestors,
            request_id=request_id,
            pacing=choice.pacing or self._options.pacing,
            drop_after_events=choice.drop_after_events,
        )

    # --- read, delete, list ---------------------------------------------------------------------------------

    async def retrieve(self, tenant: str, response_id: str, query: RetrieveQuery) -> JSONObject:
        check_id(response_id, param="response_id", prefix="resp")
        record = await self._store.responses.get(tenant, response_id)
        if record is None:
            raise response_not_found(response_id)
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
        """``POST /v1/responses/input_tokens``: agrees with ``usage.input_tokens`` of the same create."""
        model = self._model(request.model)
        context = await self._resolve(tenant, request, ids := self._ids.for_response())
        check_model_capabilities(request, model)
        skeleton = build_skeleton(request, model, response_id=ids.response_id, created_at=0)
        tokens = count_input(request.instructions, context.items, skeleton["tools"])
        return {"object": "response.input_tokens", "input_tokens": tokens}
