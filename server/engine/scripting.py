"""Which backend answers a request: a scripted turn, or the model's routed backend.

Scripted errors are raised here, before anything is stored or streamed, so they reach the client as ordinary
HTTP errors with their status and headers (a 429 with ``retry-after-ms`` is retried by the SDK).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from scenarios.base import Backend, BackendEvent, BackendRequest
from scenarios.registry import BackendRegistry
from scenarios.scripted import NoTurnLeft, Scripts, TurnPlan
from scenarios.spec import ErrorSpec, LatencySpec
from server.engine.adopted import pinned_decisions
from server.engine.pipeline import Pacing
from server.errors import INTERNAL_ERROR_MESSAGE, APIError, InvalidRequestError
from storage.frozen import checked_frozen

_DEFAULT_MESSAGES = {
    400: ("invalid_request_error", "The request was invalid."),
    401: ("invalid_request_error", "Incorrect API key provided."),
    403: ("permission_error", "You are not allowed to sample from this model."),
    404: ("invalid_request_error", "The requested resource was not found."),
    409: ("invalid_request_error", "The request conflicted with another request."),
    429: (
        "requests",
        "Rate limit reached for requests. Please try again in 20ms. "
        "Visit https://platform.openai.com/account/rate-limits to learn more.",
    ),
    500: ("server_error", INTERNAL_ERROR_MESSAGE),
    502: ("server_error", "Bad gateway."),
    503: ("server_error", "The server is overloaded or not ready yet."),
}


class PlannedBackend:
    """Plays a scripted turn's events."""

    def __init__(self, name: str, events: Sequence[BackendEvent]) -> None:
        self.name = name
        self._events = tuple(events)

    async def stream(self, request: BackendRequest) -> AsyncIterator[BackendEvent]:
        for event in self._events:
            yield event


@checked_frozen  # made per request (issue 8: storage.frozen)
class Choice:
    backend: Backend
    pacing: Pacing | None = None
    drop_after_events: int | None = None
    scenario: str | None = None
    background: dict[str, float] | None = None  # a scenario turn's lifecycle hold for background responses


def scripted_error(spec: ErrorSpec) -> APIError:
    default_type, default_message = _DEFAULT_MESSAGES.get(
        spec.status, ("server_error" if spec.status >= 500 else "invalid_request_error", "Scripted error.")
    )
    code = spec.code
    if code is None and spec.status == 429:
        code = "rate_limit_exceeded"
    return APIError(
        spec.message or default_message,
        status_code=spec.status,
        type=spec.type or default_type,
        code=code,
        param=spec.param,
        headers=spec.headers,
    )


def _pacing(latency: LatencySpec | None, seed: int | None) -> Pacing | None:
    if latency is None or not (latency.time_to_first_token_ms or latency.tokens_per_second):
        return None
    return Pacing(
        first_delta_seconds=latency.time_to_first_token_ms / 1000,
        per_delta_seconds=1 / latency.tokens_per_second if latency.tokens_per_second else 0.0,
        jitter=latency.jitter,
        seed=seed,
    )


class Scripting:
    """Decides the backend for each request from the tenant's scripts, else from model routing."""

    def __init__(self, scripts: Scripts, registry: BackendRegistry, *, strict: bool, seed: int | None) -> None:
        self.scripts = scripts
        self._registry = registry
        self._strict = strict
        self._seed = seed

    def choose(self, tenant: str, request: BackendRequest) -> Choice:
        decided = pinned_decisions()
        if decided is not None:  # a background run rebuilt where it was submitted: its turn was chosen then
            return Choice(
                backend=decided.backend,
                pacing=decided.pacing,
                drop_after_events=decided.drop_after_events,
                background=decided.lifecycle,
            )
        plan = self.scripts.plan(tenant, request)
        if isinstance(plan, NoTurnLeft):
            raise InvalidRequestError(
                f"Scenario '{plan.scenario}' has no turn {plan.turn + 1}: it scripts {plan.turns}. "
                "Set after_last_turn to 'repeat_last' or 'default_model' to allow more.",
                code="scenario_exhausted",
            )
        if plan is None:
            if self._strict:
                raise InvalidRequestError(
                    f"No scenario matched this request (strict scenarios): model '{request.model}', "
                    f"turn {request.turn_index + 1}.",
                    code="scenario_not_matched",
                )
            return Choice(backend=self._registry.for_model(request.model))
        return self._from_plan(plan, request)

    def _from_plan(self, plan: TurnPlan, request: BackendRequest) -> Choice:
        if plan.error is not None:
            raise scripted_error(plan.error)
        if plan.use_default_model:  # past the script's end: the model's own backend answers
            return Choice(backend=self._registry.for_model(request.model), scenario=plan.scenario)
        return Choice(
            backend=PlannedBackend(f"scenario:{plan.scenario}", plan.events),
            pacing=_pacing(plan.latency, self._seed),
            drop_after_events=plan.drop_after_events,
            scenario=plan.scenario,
            background=plan.background,
        )
