"""Item integrity of the new input: item references resolved, replayed reasoning items verified (REFERENCE §B.3).

* ``{"type": "item_reference", "id": …}`` (or a bare ``{"id": …}``) becomes the item it names, both in the
  model's context and in the stored input items, so ``input_items`` lists a real item the SDK's types parse.
  It is looked up in the request's conversation first, then among the tenant's stored responses.
* A replayed ``reasoning`` item with ``encrypted_content`` must carry content this emulator sealed (see
  ``opaque_reasoning``), and a ``compaction`` item content from ``compaction``; anything else is the real
  ``invalid_encrypted_content`` 400. One replayed *without*
  its content is looked up by id like a reference, since the model's state for it can only come from storage.
* Unknown ids are the real 404 ``Item with id '…' not found.``, with the suffix `` Items are not persisted when
  `store` is set to false.`` when the id looks like an item of a response that was never stored. The emulator
  cannot know that for certain (a ``store: false`` response leaves no trace), so the rule is: the id has the
  shape of an emulator item id (``<prefix>_<hex>``, whose first 25 hex digits are shared with the id of the
  response that made it, REFERENCE §C.1) and no response of the tenant, deleted or not, has that stem.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from server.engine.compaction import Compactor
from server.engine.opaque import OpaqueError, invalid_encrypted_content, unseal
from server.errors import NotFoundError
from storage.base import ResponseRepo

JSONObject = dict[str, Any]

REASONING_PURPOSE = "reasoning"
STORE_FALSE_SUFFIX = " Items are not persisted when `store` is set to false."
_EMULATOR_ID = re.compile(r"^[a-z]+_([0-9a-f]{25})[0-9a-f]+$")


def is_reference(item: JSONObject) -> bool:
    """An ``item_reference`` as ``normalize_input`` keeps it (typed, or the SDK's bare ``{"id": …}``)."""
    return item.get("type") == "item_reference" or ("type" not in item and "role" not in item)


class ItemResolver:
    """Resolves references and verifies replayed reasoning for one tenant's request."""

    def __init__(self, repo: ResponseRepo, *, secret: str, compactor: Compactor) -> None:
        self._repo = repo
        self._secret = secret
        self._compactor = compactor

    async def resolve(
        self,
        tenant: str,
        sent: Sequence[JSONObject],
        normalized: Sequence[JSONObject],
        history: Sequence[JSONObject],
    ) -> list[JSONObject]:
        """``normalized`` (one item per ``sent`` item) with references replaced by the items they name."""
        by_id: dict[str, JSONObject] | None = None

        def known() -> dict[str, JSONObject]:
            # Built only when an item needs it: a chain's history may hold thousands of items.
            nonlocal by_id
            if by_id is None:
                by_id = {item["id"]: item for item in history if isinstance(item.get("id"), str)}
            return by_id

        out: list[JSONObject] = []
        for original, item in zip(sent, normalized, strict=True):
            if is_reference(item):
                out.append(copy.deepcopy(await self._lookup(tenant, str(item.get("id")), known())))
            elif item.get("type") == "reasoning":
                await self._check_reasoning(tenant, original, known())
                out.append(item)
            elif item.get("type") == "compaction":
                # Checked as sent, so that the error names the client's id (or, without one, the content).
                self._compactor.replaced(original)
                out.append(item)
            else:
                out.append(item)
        return out

    async def _lookup(self, tenant: str, item_id: str, known: dict[str, JSONObject]) -> JSONObject:
        found = known.get(item_id) or await self._repo.get_item(tenant, item_id)
        if found is None:
            raise await self.not_found(tenant, item_id)
        return found

    async def _check_reasoning(self, tenant: str, sent: JSONObject, known: dict[str, JSONObject]) -> None:
        token = sent.get("encrypted_content")
        if token is not None:
            try:
                unseal(str(token), purpose=REASONING_PURPOSE, secret=self._secret)
            except OpaqueError:
                raise invalid_encrypted_content(sent.get("id"), str(token)) from None
            return
        item_id = sent.get("id")
        if isinstance(item_id, str):
            await self._lookup(tenant, item_id, known)

    async def not_found(self, tenant: str, item_id: str) -> NotFoundError:
        """The 404 for an unknown item id, with the ``store: false`` suffix by the rule above."""
        message = f"Item with id '{item_id}' not found."
        shape = _EMULATOR_ID.match(item_id)
        if shape is not None and not await self._repo.family_exists(tenant, shape.group(1)):
            message += STORE_FALSE_SUFFIX
        return NotFoundError(message)
