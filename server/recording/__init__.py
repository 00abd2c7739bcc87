"""Record and replay: a proxy that forwards to an upstream OpenAI-compatible API and writes what it answered
as scenario files, which the emulator then replays offline (``openai-emulator record``).

``proxy`` is the ASGI app, ``book`` groups requests into scenarios, ``convert`` turns answers into scenario
turns (redacting keys), ``writer`` writes the YAML.
"""

from __future__ import annotations

from server.recording.proxy import RecorderConfig, create_recorder_app

__all__ = ["RecorderConfig", "create_recorder_app"]
