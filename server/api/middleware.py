"""Headers every real API response carries (added by ``server.api.front``)."""

from __future__ import annotations

OPENAI_VERSION = "2020-10-01"
# Static unless rate limiting is configured: generous limits, nothing used.
_RATE_LIMIT_HEADERS = (
    (b"x-ratelimit-limit-requests", b"10000"),
    (b"x-ratelimit-limit-tokens", b"30000000"),
    (b"x-ratelimit-remaining-requests", b"9999"),
    (b"x-ratelimit-remaining-tokens", b"29999000"),
    (b"x-ratelimit-reset-requests", b"6ms"),
    (b"x-ratelimit-reset-tokens", b"2ms"),
)


def static_rate_limit_headers() -> list[tuple[bytes, bytes]]:
    """The rate-limit headers of a tenant without configured limits."""
    return list(_RATE_LIMIT_HEADERS)
