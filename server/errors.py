"""One exception hierarchy for every error the emulator answers with.

```
APIError                      (500, server_error)     — base; renders {"error": {message, type, param, code}}
├── InvalidRequestError       (400, invalid_request_error)
├── AuthenticationError       (401, invalid_request_error)
├── PermissionDeniedError     (403, permission_error)
├── NotFoundError             (404, invalid_request_error)
├── ConflictError             (409, invalid_request_error)
├── PayloadTooLargeError      (413, invalid_request_error)
├── RateLimitError            (429, requests)
└── ServerError               (500, server_error)
```

Domain code raises these; exactly one exception handler (in ``server.app``) turns them into HTTP. The type
names follow the real API's error envelope, not HTTP reason phrases: a 401 from api.openai.com says
``invalid_request_error``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class APIError(Exception):
    """An error with its HTTP meaning; ``envelope()`` is the exact body the real API sends."""

    status_code: ClassVar[int] = 500
    default_type: ClassVar[str] = "server_error"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        type: str | None = None,
        headers: dict[str, str] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code
        self.type = type or self.default_type
        self.headers = dict(headers or {})
        if status_code is not None:
            self.status_code = status_code  # type: ignore[misc]

    def envelope(self) -> dict[str, Any]:
        # Key order message, type, param, code is what the real API sends (REFERENCE §G.1).
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status_code}, {self.message!r}, param={self.param!r}, code={self.code!r})"


class InvalidRequestError(APIError):
    status_code = 400
    default_type = "invalid_request_error"


class AuthenticationError(APIError):
    status_code = 401
    default_type = "invalid_request_error"


class PermissionDeniedError(APIError):
    status_code = 403
    default_type = "permission_error"


class NotFoundError(APIError):
    status_code = 404
    default_type = "invalid_request_error"


class ConflictError(APIError):
    status_code = 409
    default_type = "invalid_request_error"


class PayloadTooLargeError(APIError):
    status_code = 413
    default_type = "invalid_request_error"


class RateLimitError(APIError):
    status_code = 429
    default_type = "requests"


class ServerError(APIError):
    status_code = 500
    default_type = "server_error"


INTERNAL_ERROR_MESSAGE = "The server had an error while processing your request. Sorry about that!"


def response_not_found(response_id: str) -> NotFoundError:
    return NotFoundError(f"Response with id '{response_id}' not found.")


def invalid_url(method: str, path: str) -> NotFoundError:
    return NotFoundError(f"Invalid URL ({method} {path})")


def conversation_not_found(conversation_id: str) -> NotFoundError:
    # Observed wording, param and code null (REFERENCE §G.2), from every conversation route and from
    # `POST /v1/responses` alike.
    return NotFoundError(f"Conversation with id '{conversation_id}' not found.")


def item_not_found(item_id: str) -> NotFoundError:
    return NotFoundError(f"Item with id '{item_id}' not found.")
