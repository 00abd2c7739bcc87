"""Step 9 of §B.4: what the chosen model refuses, checked after schema and server-state phases.

Order (observed where two rules collide): sampling parameters → ``include`` logprobs → ``top_logprobs`` →
``reasoning.effort`` → ``prompt_cache_retention``.
"""

from __future__ import annotations

from scenarios.catalogue import ModelInfo
from server.errors import InvalidRequestError
from server.protocol.requests import CreateResponseRequest
from server.protocol.wording import listing

_SAMPLING = ("temperature", "top_p", "presence_penalty", "frequency_penalty")
LOGPROBS_INCLUDE = "message.output_text.logprobs"
ENCRYPTED_INCLUDE = "reasoning.encrypted_content"
LOGPROBS_REFUSED = "logprobs are not supported with reasoning models."  # observed


def _effort(request: CreateResponseRequest) -> str | None:
    reasoning = request.reasoning or {}
    effort = reasoning.get("effort")
    return effort if isinstance(effort, str) else None


def check_model_capabilities(request: CreateResponseRequest, model: ModelInfo) -> None:
    """Raise the 400 the real API gives when ``model`` cannot honour a (schema-valid) request.

    On reasoning models whose effective effort is not ``"none"`` (``reasoning.effort``, else the model's
    default), sampling parameters and logprobs are refused; ``reasoning.effort`` must be one the model
    supports. Non-reasoning models refuse ``reasoning.effort`` and encrypted reasoning. Models that only
    offer extended prompt caching refuse ``prompt_cache_retention: "in_memory"``.
    """
    requested = _effort(request)
    if model.reasoning:
        effective = requested or model.default_effort
        if effective != "none":
            _refuse_sampling_and_logprobs(request)
        if requested is not None and model.reasoning_efforts and requested not in model.reasoning_efforts:
            raise InvalidRequestError(  # observed
                f"Unsupported value: '{requested}' is not supported with the '{request.model}' model. "
                f"Supported values are: {listing(model.reasoning_efforts, 'and')}.",
                param="reasoning.effort",
                code="unsupported_value",
            )
    else:
        if ENCRYPTED_INCLUDE in request.include:
            # Observed message (ISS NousResearch/hermes-agent#24234); param and code [inferred].
            raise InvalidRequestError("Encrypted content is not supported with this model.", param="include", code=None)
        if requested is not None:
            raise InvalidRequestError(  # observed (gpt-4.1 / gpt-4o)
                "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
                param="reasoning.effort",
                code="unsupported_parameter",
            )
    if request.prompt_cache_retention == "in_memory" and model.prompt_cache_retention == "24h":
        raise InvalidRequestError(  # observed
            "This model is compatible only with 24h extended prompt caching",
            param="prompt_cache_retention",
            code="invalid_parameter",
        )


def _refuse_sampling_and_logprobs(request: CreateResponseRequest) -> None:
    for name in _SAMPLING:
        if getattr(request, name) is not None:
            # Observed: code null in 2026 (older captures said unsupported_parameter).
            raise InvalidRequestError(
                f"Unsupported parameter: '{name}' is not supported with this model.", param=name, code=None
            )
    if LOGPROBS_INCLUDE in request.include:
        raise InvalidRequestError(LOGPROBS_REFUSED, param="include", code="unsupported_parameter")
    if request.top_logprobs:  # 0 is the echoed default and is accepted
        raise InvalidRequestError(LOGPROBS_REFUSED, param="top_logprobs", code="unsupported_parameter")
