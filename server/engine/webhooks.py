"""Webhooks for background responses, signed as the real API signs them (Standard Webhooks).

Events ``response.completed``, ``response.failed``, ``response.cancelled`` and ``response.incomplete`` are
queued and delivered by one task, so a slow or failing receiver never blocks the worker. Failed deliveries
are retried with exponential backoff. ``client.webhooks.unwrap(body, headers, secret=…)`` of the official SDK
verifies them: signature = base64(HMAC-SHA256(key, f"{webhook_id}.{timestamp}.{body}")), key = the secret's
base64 after ``whsec_`` (or its raw bytes), header ``webhook-signature: v1,<signature>``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass

import httpx2

from server.engine.ids import Clock, IdFactory

log = logging.getLogger("openai_emulator.webhooks")
TERMINAL_TO_EVENT = {
    "completed": "response.completed",
    "failed": "response.failed",
    "cancelled": "response.cancelled",
    "incomplete": "response.incomplete",
}


def sign(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret[len("whsec_") :]) if secret.startswith("whsec_") else secret.encode()
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@dataclass(frozen=True, slots=True)
class Delivery:
    webhook_id: str
    body: str


class WebhookSender:
    """Queues webhook events and delivers them, retrying with backoff, off the worker's path."""

    def __init__(
        self,
        *,
        url: str,
        secret: str,
        ids: IdFactory,
        clock: Clock,
        attempts: int = 6,
        first_backoff: float = 0.2,
        timeout: float = 10.0,
    ) -> None:
        self._url = url
        self._secret = secret
        self._ids = ids
        self._clock = clock
        self._attempts = attempts
        self._first_backoff = first_backoff
        self._timeout = timeout
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()  # in flight, each with its retries
        self.delivered = 0
        self.failed = 0

    def response_finished(self, response_id: str, status: str) -> None:
        """Queue the event for a background response that reached ``status``."""
        event_type = TERMINAL_TO_EVENT.get(status)
        if event_type is None:
            return
        webhook_id = self._ids.new("evt")
        event = {
            "id": webhook_id,
            "type": event_type,
            "created_at": int(self._clock.now()),
            "data": {"id": response_id},
            "object": "event",
        }
        self._queue.put_nowait(Delivery(webhook_id=webhook_id, body=json.dumps(event, separators=(",", ":"))))

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="webhook-sender")

    async def close(self) -> None:
        """Stop: deliveries still retrying are cancelled before their HTTP client closes (a delivery left
        running would try the closed client and die with an error nobody collects)."""
        for delivery in list(self._deliveries):
            delivery.cancel()
        if self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        async with httpx2.AsyncClient(timeout=self._timeout) as client:
            while True:
                delivery = await self._queue.get()
                # Each delivery retries in its own task, so one failing event never holds up the next.
                task = asyncio.get_running_loop().create_task(self._deliver(client, delivery))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)

    async def _deliver(self, client: httpx2.AsyncClient, delivery: Delivery) -> None:
        backoff = self._first_backoff
        for attempt in range(1, self._attempts + 1):
            timestamp = int(time.time())  # wall clock: receivers check it against their own clock
            headers = {
                "content-type": "application/json",
                "webhook-id": delivery.webhook_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(self._secret, delivery.webhook_id, timestamp, delivery.body),
                "user-agent": "OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)",
            }
            try:
                answer = await client.post(self._url, content=delivery.body, headers=headers)
                if answer.status_code < 300:
                    self.delivered += 1
                    return
                log.warning("webhook %s got %s (attempt %s)", delivery.webhook_id, answer.status_code, attempt)
            except httpx2.TransportError as exc:
                log.warning("webhook %s failed: %s (attempt %s)", delivery.webhook_id, exc, attempt)
            if attempt < self._attempts:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
        self.failed += 1
        log.error("webhook %s given up after %s attempts", delivery.webhook_id, self._attempts)
