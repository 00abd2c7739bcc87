"""Compaction: a ``compaction`` item stands for the context it replaced.

A compaction item's ``encrypted_content`` seals the replaced items (``server.engine.opaque``). Wherever one
appears in a context (sent as input, or stored in a chain or conversation) it becomes a *block*: the model
sees the replaced items again, in their order, but usage bills the block cheaply. The rules, all the
emulator's own choice (the real API's compaction is a model-written summary whose size is not documented):

* **Cost.** User messages keep their full cost (``POST /v1/responses/compact`` hands them back in clear, and
  clients send them beside the compaction item); every other replaced item costs a quarter, rounded up. So a
  compacted context always bills less than the same context in full, as soon as it holds a model reply.
* **Absorption.** Items *before* a compaction item that it already contains (same ``id``, or, for items sent
  again without their ids, the same content) are dropped, so the model sees each item once: the user
  messages echoed by the compact endpoint, or the whole chain before an automatic compaction when a later
  request continues with ``previous_response_id`` or a conversation. An earlier block that a later compaction
  contains entirely is absorbed too.
* **Nesting.** A compaction of a context that already holds compaction items seals their expansion, so one
  block never has to open another.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

from server.engine.opaque import OpaqueError, invalid_encrypted_content, seal, unseal
from server.engine.tokens import count_item
from storage.frozen import checked_frozen

JSONObject = dict[str, Any]

PURPOSE = "compaction"
_PAYLOAD_VERSION = 1


def is_user_message(item: JSONObject) -> bool:
    return item.get("type", "message") == "message" and item.get("role") == "user"


def _signature(item: JSONObject) -> str:
    """What an item says, without the identity and status the server assigns."""
    return json.dumps({k: v for k, v in item.items() if k not in ("id", "status")}, sort_keys=True)


@checked_frozen
class Entry:
    """One unit of a context: a plain item, or a compaction block (``marker`` set) standing for ``items``.

    ``items`` is what the model sees; ``cost`` is what it bills as input; ``new`` marks the request's own input.
    """

    items: tuple[JSONObject, ...]
    cost: int
    marker: JSONObject | None = None
    new: bool = False

    @property
    def has_user_message(self) -> bool:
        return any(is_user_message(item) for item in self.items)


def flatten(entries: Iterable[Entry]) -> list[JSONObject]:
    """The items the model sees, in order."""
    return [item for entry in entries for item in entry.items]


def block_cost(items: Sequence[JSONObject]) -> int:
    """Input tokens a compaction block bills: user messages in full, everything else a quarter (rounded up)."""
    users = sum(count_item(item) for item in items if is_user_message(item))
    rest = sum(count_item(item) for item in items if not is_user_message(item))
    return users + math.ceil(rest / 4)


def summary_cost(items: Sequence[JSONObject]) -> int:
    """Tokens of the compaction item's own content (the non-user part of ``block_cost``)."""
    return block_cost(items) - sum(count_item(item) for item in items if is_user_message(item))


class Compactor:
    """Seals contexts into compaction items and opens them again, with one secret."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def item(self, items: Sequence[JSONObject], item_id: str) -> JSONObject:
        """The ``compaction`` item replacing ``items`` (key order as the real API's output)."""
        payload = {"v": _PAYLOAD_VERSION, "items": list(items)}
        return {
            "id": item_id,
            "type": "compaction",
            "encrypted_content": seal(payload, purpose=PURPOSE, secret=self._secret),
        }

    def replaced(self, item: JSONObject) -> list[JSONObject]:
        """The items a compaction item replaced; the real ``invalid_encrypted_content`` 400 otherwise."""
        token = item.get("encrypted_content")
        try:
            payload = unseal(str(token), purpose=PURPOSE, secret=self._secret)
            if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
                raise OpaqueError("not a compaction payload")
        except OpaqueError:
            raise invalid_encrypted_content(item.get("id"), str(token)) from None
        return [dict(replaced) for replaced in payload["items"]]

    def block(self, items: Sequence[JSONObject], marker: JSONObject, *, new: bool = False) -> Entry:
        return Entry(items=tuple(items), cost=block_cost(items), marker=marker, new=new)

    def entries(self, items: Sequence[JSONObject], *, new_from: int) -> list[Entry]:
        """The context as entries: compaction items opened into blocks, and what they contain absorbed.

        ``new_from`` is the index of the first item of the request's own input (for truncation, which never
        drops the new input's last user message).
        """
        return self.extend(self.extend((), items[:new_from], new=False), items[new_from:], new=True)

    def extend(self, entries: Sequence[Entry], items: Iterable[JSONObject], *, new: bool) -> list[Entry]:
        """``entries`` followed by the entries of ``items`` (a compaction item among them absorbs what it
        contains of everything before it, ``entries`` included)."""
        out = list(entries)
        for item in items:
            if item.get("type") != "compaction":
                out.append(Entry(items=(item,), cost=count_item(item), new=new))
                continue
            replaced = self.replaced(item)
            out = _absorb(out, replaced)
            out.append(self.block(replaced, item, new=new))
        return out


def _absorb(entries: list[Entry], replaced: Sequence[JSONObject]) -> list[Entry]:
    """``entries`` without those the replaced items already contain."""
    ids = {item["id"] for item in replaced if item.get("id")}
    signatures = {_signature(item) for item in replaced}

    def contained(item: JSONObject) -> bool:
        return item.get("id") in ids or _signature(item) in signatures

    return [entry for entry in entries if not all(contained(item) for item in entry.items)]
