"""Per-tenant rate limits on the emulator's clock, answered with the real 429 body and headers.

Each tenant has a one-minute window that starts with its first request in it. Requests are counted when
admitted; tokens are counted as the request's input at admission and its output when it finishes, so a
burst of large requests is refused the way the real API refuses it (REFERENCE §G.2, §H.1). Counts live in
the process: replicas behind one address each enforce the limit on their own share of the traffic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from server.engine.adopted import pinned_decisions
from server.engine.ids import Clock
from server.errors import RateLimitError

WINDOW_SECONDS = 60.0
_LEARN_MORE = "Visit https://platform.openai.com/account/rate-limits to learn more."


def duration(seconds: float) -> str:
    """A duration as the real ``x-ratelimit-reset-*`` headers write it: ``6ms``, ``17.28s``, ``1m0s``."""
    if seconds < 1:
        return f"{max(int(seconds * 1000), 0)}ms"
    if seconds < 60:
        return f"{round(seconds, 3):g}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest}s"


@dataclass
class _Window:
    started: float
    requests: int = 0
    tokens: int = 0


class RateLimiter:
    """Request and token quotas per minute, per tenant. A limit of None is no limit."""

    def __init__(self, clock: Clock, *, requests_per_minute: int | None, tokens_per_minute: int | None) -> None:
        self._clock = clock
        self._rpm = requests_per_minute
        self._tpm = tokens_per_minute
        self._windows: dict[str, _Window] = {}

    @property
    def enabled(self) -> bool:
        return self._rpm is not None or self._tpm is not None

    def _window(self, tenant: str) -> _Window:
        now = self._clock.now()
        window = self._windows.get(tenant)
        if window is None or now - window.started >= WINDOW_SECONDS:
            window = self._windows[tenant] = _Window(started=now)
        return window

    def _reset_in(self, window: _Window) -> float:
        return max(window.started + WINDOW_SECONDS - self._clock.now(), 0.0)

    def headers(self, tenant: str) -> dict[str, str]:
        """The ``x-ratelimit-*`` headers of a response to this tenant."""
        window = self._window(tenant)
        reset = duration(self._reset_in(window))
        headers: dict[str, str] = {}
        if self._rpm is not None:
            headers |= {
                "x-ratelimit-limit-requests": str(self._rpm),
                "x-ratelimit-remaining-requests": str(max(self._rpm - window.requests, 0)),
                "x-ratelimit-reset-requests": reset if window.requests else "0s",
            }
        if self._tpm is not None:
            headers |= {
                "x-ratelimit-limit-tokens": str(self._tpm),
                "x-ratelimit-remaining-tokens": str(max(self._tpm - window.tokens, 0)),
                "x-ratelimit-reset-tokens": reset if window.tokens else "0s",
            }
        return headers

    def admit(self, tenant: str, model: str, *, tokens: int) -> None:
        """Count one request of ``tokens`` input tokens, or raise the real 429 when it does not fit."""
        if not self.enabled or pinned_decisions() is not None:  # a rebuilt background run: admitted at submission
            return
        window = self._window(tenant)
        wait = self._reset_in(window)
        if self._rpm is not None and window.requests + 1 > self._rpm:
            raise self._refusal(
                tenant, model, "requests per min (RPM)", "requests", self._rpm, window.requests, 1, wait
            )
        if self._tpm is not None and window.tokens + tokens > self._tpm:
            raise self._refusal(tenant, model, "tokens per min (TPM)", "tokens", self._tpm, window.tokens, tokens, wait)
        window.requests += 1
        window.tokens += tokens

    def consume(self, tenant: str, tokens: int) -> None:
        """Count tokens spent after admission (a response's output)."""
        if self.enabled:
            self._window(tenant).tokens += tokens

    def _refusal(
        self, tenant: str, model: str, what: str, kind: str, limit: int, used: int, requested: int, wait: float
    ) -> RateLimitError:
        message = (
            f"Rate limit reached for {model} in organization org-emulator on {what}: Limit {limit}, Used {used}, "
            f"Requested {requested}. Please try again in {duration(wait)}. {_LEARN_MORE}"
        )
        headers = self.headers(tenant) | {
            "retry-after": str(max(math.ceil(wait), 1)),
            "retry-after-ms": str(max(int(wait * 1000), 1)),
        }
        return RateLimitError(message, type=kind, code="rate_limit_exceeded", headers=headers)
