"""API keys -> tenants. Each distinct key is its own tenant unless settings map keys to a shared project.

Tenants are derived, never the raw key: the key is a secret and must not reach the database or the logs.
"""

from __future__ import annotations

import hashlib

from fastapi import Request

from server.errors import AuthenticationError

_MISSING_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
    "auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're "
    "accessing the API from your browser and are prompted for a username and password. You can obtain an API "
    "key from https://platform.openai.com/account/api-keys."
)


def mask_key(key: str) -> str:
    """How the real API quotes a rejected key: first 8 characters, stars, last 4."""
    if len(key) <= 12:
        return key[:3] + "*" * max(len(key) - 3, 0)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


_TENANTS_KEPT = 4096


def _hashed(key: str) -> str:
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:32]


class Authenticator:
    """Resolves the tenant of a request from its ``Authorization: Bearer`` header."""

    def __init__(self, *, allowed_keys: list[str], key_projects: dict[str, str]) -> None:
        self._allowed = frozenset(allowed_keys)
        self._projects = dict(key_projects)
        # Key -> tenant, as hashing the key was ~2% of a create (issue 8's profile); a handful of keys is usual.
        self._tenants: dict[str, str] = {}

    def tenant_for_key(self, key: str) -> str:
        tenant = self._tenants.get(key)
        if tenant is None:
            project = self._projects.get(key)
            tenant = f"project:{project}" if project is not None else _hashed(key)
            if len(self._tenants) >= _TENANTS_KEPT:  # a client cycling keys must not grow memory
                self._tenants.clear()
            self._tenants[key] = tenant
        return tenant

    def tenant_for_header(self, authorization: str | None) -> str:
        if not authorization:
            raise AuthenticationError(_MISSING_KEY)
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer":
            raise AuthenticationError(_MISSING_KEY)
        key = key.strip()
        if not key or (self._allowed and key not in self._allowed):
            shown = mask_key(key) if key else "''"
            raise AuthenticationError(
                f"Incorrect API key provided: {shown}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )
        return self.tenant_for_key(key)

    async def __call__(self, request: Request) -> str:
        """FastAPI dependency: the tenant of this request."""
        tenant = self.tenant_for_header(request.headers.get("authorization"))
        request.state.tenant = tenant
        return tenant
