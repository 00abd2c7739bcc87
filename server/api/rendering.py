"""JSON as the real API sends it: pretty-printed with two spaces (REFERENCE §C.1), errors included."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import Response

from server.errors import APIError


class PrettyJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, indent=2, ensure_ascii=False).encode("utf-8")


def error_response(error: APIError) -> PrettyJSONResponse:
    return PrettyJSONResponse(error.envelope(), status_code=error.status_code, headers=error.headers)
