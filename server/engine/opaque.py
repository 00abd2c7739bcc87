"""Opaque ``encrypted_content``: sealed by the emulator, readable only by the emulator.

The real API hands clients Fernet tokens (``gAAAAAB…``) that only it can read: reasoning items and compaction
items carry the model's state through clients that cannot see it. The emulator does the same with its own
format, ``gAAAAAB`` + base64url(MAC ‖ zlib(JSON)):

* the MAC is HMAC-SHA256 (first 16 bytes) under a key derived from the ``compaction_secret`` setting and the
  purpose (``reasoning``, ``compaction``), so content sealed for one purpose never opens as the other, and any
  edit to the token fails verification;
* the secret defaults to a fixed value, so every emulator process (replicas, restarts) reads every other's
  content unless a deployment chooses its own secret.

Nothing here is secret in the cryptographic sense (the payload is only compressed, not encrypted); the MAC
exists so that tampered content is refused exactly where the real API refuses it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from typing import Any

from server.errors import InvalidRequestError

PREFIX = "gAAAAAB"  # what every real Fernet token of the API starts with
DEFAULT_SECRET = "openai-emulator"
_MAC_BYTES = 16


class OpaqueError(ValueError):
    """The token was not made by this emulator (with this secret and purpose), or was altered."""


def _key(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"openai-emulator/{purpose}/{secret}".encode()).digest()


def seal(payload: Any, *, purpose: str, secret: str = DEFAULT_SECRET) -> str:
    """``payload`` (JSON-ready) as an opaque token; deterministic for the same payload, purpose and secret."""
    body = zlib.compress(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode(), 6)
    mac = hmac.new(_key(secret, purpose), body, hashlib.sha256).digest()[:_MAC_BYTES]
    return PREFIX + base64.urlsafe_b64encode(mac + body).decode().rstrip("=")


def unseal(token: str, *, purpose: str, secret: str = DEFAULT_SECRET) -> Any:
    """The payload of a token this emulator sealed; raises ``OpaqueError`` for anything else."""
    if not isinstance(token, str) or not token.startswith(PREFIX):
        raise OpaqueError("not an emulator token")
    text = token[len(PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise OpaqueError("not base64") from exc
    mac, body = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
    expected = hmac.new(_key(secret, purpose), body, hashlib.sha256).digest()[:_MAC_BYTES]
    if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, expected):
        raise OpaqueError("verification failed")
    try:
        return json.loads(zlib.decompress(body))
    except (zlib.error, ValueError) as exc:  # a valid MAC over bad data: only a changed secret scheme gets here
        raise OpaqueError("unreadable payload") from exc


def _abbreviated(token: str) -> str:
    return f"{token[:4]}...{token[-4:]}" if len(token) > 8 else token


def invalid_encrypted_content(item_id: str | None, token: str) -> InvalidRequestError:
    """The real 400 for content that does not verify (REFERENCE §B.3).

    Observed: ``The encrypted content for item rs_… could not be verified. Reason: Encrypted content could not
    be decrypted or parsed.``; for an item sent without an id, the API names the content itself, abbreviated
    (``The encrypted content gAAA...DQ== could not be verified.``), to which the same reason is added here.
    """
    subject = f"for item {item_id}" if item_id else _abbreviated(token)
    return InvalidRequestError(
        f"The encrypted content {subject} could not be verified. "
        "Reason: Encrypted content could not be decrypted or parsed.",
        code="invalid_encrypted_content",
    )
