"""The demo model: deterministic, varied prose in the question's language and register, paced like typing."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from scenarios.base import (
    Backend,
    BackendEvent,
    BackendRequest,
    Delay,
    MessageEnd,
    MessageStart,
    Reasoning,
    TextDelta,
)
from scenarios.demo import DemoBackend

pytestmark = pytest.mark.anyio

# Common words of each language, chosen independently of the model's own phrase banks.
COMMON = {
    "en": {"the", "is", "and", "a", "to", "of", "that", "it", "you", "in", "on", "what", "can", "how", "for"},
    "fr": {"le", "la", "les", "de", "et", "un", "une", "est", "que", "des", "vous", "pour", "je", "en", "ce"},
    "de": {"der", "die", "das", "und", "ist", "ein", "eine", "zu", "nicht", "es", "sie", "ich", "man", "mit"},
    "es": {"el", "la", "los", "las", "de", "y", "que", "es", "un", "una", "en", "por", "lo", "se", "con"},
}

QUESTIONS = {
    "en": "What is the best way to keep a sourdough starter alive?",
    "fr": "Quelle est la meilleure façon de garder un levain en bonne santé ?",
    "de": "Was ist der beste Weg, einen Sauerteig am Leben zu halten?",
    "es": "¿Cuál es la mejor manera de mantener viva una masa madre?",
}


def request(text: str | None, **fields: Any) -> BackendRequest:
    context = [] if text is None else [{"type": "message", "role": "user", "content": text}]
    fields.setdefault("model", "gpt-4o")
    fields.setdefault("instructions", None)
    return BackendRequest(context=context, **fields)


async def events(req: BackendRequest, words_per_second: float = 0) -> list[BackendEvent]:
    return [event async for event in DemoBackend(words_per_second=words_per_second).stream(req)]


def text_of(evs: list[BackendEvent]) -> str:
    return "".join(event.text for event in evs if isinstance(event, TextDelta))


async def reply(text: str | None, **fields: Any) -> str:
    return text_of(await events(request(text, **fields)))


def words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.lower())


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def hits(text: str, lang: str) -> int:
    return sum(word in COMMON[lang] for word in words(text))


def test_is_a_backend_named_demo() -> None:
    backend = DemoBackend()
    assert isinstance(backend, Backend)
    assert backend.name == "demo"


def test_negative_pace_is_rejected() -> None:
    with pytest.raises(ValueError):
        DemoBackend(words_per_second=-1)


async def test_same_request_gives_identical_events() -> None:
    req = request("How do I plan a vegetable garden?", turn_index=2, instructions="Be helpful.")
    first = await events(req, words_per_second=25)
    again = await events(request("How do I plan a vegetable garden?", turn_index=2, instructions="Be helpful."), 25)
    assert first == again


async def test_different_questions_give_different_replies() -> None:
    questions = [
        "How does photosynthesis work?",
        "What is the capital of Australia?",
        "Why is the sky blue?",
        "Can you explain recursion in programming?",
        "What should I cook for dinner tonight?",
        "Tell me about the history of jazz.",
    ]
    replies = [await reply(q) for q in questions]
    assert len(set(replies)) == len(replies)


async def test_seed_covers_turn_model_and_instructions() -> None:
    question = "Why do cats purr?"
    base = await reply(question)
    assert await reply(question, turn_index=1) != base
    assert await reply(question, model="gpt-4o-mini") != base
    assert await reply(question, instructions="You are a vet.") != base


async def test_reply_is_not_an_echo_and_names_the_topic() -> None:
    question = "What are the benefits of photosynthesis?"
    text = await reply(question)
    assert question not in text
    assert "photosynthesis" in text


async def test_event_shape_and_chunks() -> None:
    evs = await events(request("Tell me something about volcanoes and earthquakes."))
    assert isinstance(evs[0], MessageStart)
    assert isinstance(evs[-1], MessageEnd)
    deltas = evs[1:-1]
    assert deltas and all(isinstance(event, TextDelta) for event in deltas)
    assert all(1 <= len(event.text.split()) <= 4 for event in deltas if isinstance(event, TextDelta))
    assert len(deltas) > 10  # streamed in pieces, not one block


@pytest.mark.parametrize(
    "question",
    [
        "How does photosynthesis work?",
        "Explain quantum computing to a beginner.",
        "I think remote work is better for productivity.",
        "Why did the Roman Empire fall?",
        "Give me ideas for a birthday party",
        "hey lol what's the deal with black holes!",
        "Comment fonctionne un moteur électrique ?",
        "Wie funktioniert ein Elektromotor?",
        "¿Cómo funciona un motor eléctrico?",
    ],
)
async def test_length_is_plausible(question: str) -> None:
    assert 40 <= len((await reply(question)).split()) <= 150


async def test_length_varies_with_the_seed() -> None:
    lengths = {len((await reply("Why is the sky blue?", turn_index=turn)).split()) for turn in range(8)}
    assert len(lengths) > 3


async def test_english_question_gets_english() -> None:
    text = await reply(QUESTIONS["en"])
    assert hits(text, "en") > max(hits(text, lang) for lang in ("fr", "de", "es"))


@pytest.mark.parametrize("lang", ["fr", "de", "es"])
@pytest.mark.parametrize("turn", [0, 1, 2])
async def test_answers_in_the_language_of_the_question(lang: str, turn: int) -> None:
    text = await reply(QUESTIONS[lang], turn_index=turn)
    assert hits(text, lang) >= 5
    assert hits(text, "en") < hits(text, lang)


async def test_undetected_language_gets_english() -> None:
    text = await reply("Mikä on Suomen pääkaupunki?")
    assert hits(text, "en") >= 5
    assert hits(text, "en") > max(hits(text, lang) for lang in ("fr", "de", "es"))


async def test_formal_and_casual_registers() -> None:
    formal_fr = await reply("Pourriez-vous m'expliquer le fonctionnement des marées ?")
    casual_fr = await reply("salut, tu peux m'expliquer les marées ? mdr")
    assert "vous" in words(formal_fr) and "tu" not in words(formal_fr)
    assert "vous" not in words(casual_fr)
    formal_de = await reply("Können Sie mir die Gezeiten erklären?")
    casual_de = await reply("hey, kannst du mir die Gezeiten erklären? 😄")
    assert "sie" in words(formal_de) or "ihnen" in words(formal_de)
    assert "ihnen" not in words(casual_de)
    casual_en = await reply("hey lol how do tides even work!")
    assert "!" in casual_en


@pytest.mark.parametrize(
    ("greeting", "lang"),
    [("hi", "en"), ("Hello!", "en"), ("bonjour", "fr"), ("Salut !", "fr"), ("hola", "es"), ("Hallo", "de")],
)
async def test_greeting_gets_a_short_greeting_and_an_offer(greeting: str, lang: str) -> None:
    text = await reply(greeting)
    assert len(text.split()) <= 12
    assert len(sentences(text)) <= 2
    assert text.rstrip().endswith("?")  # an offer to help
    if lang != "en":
        assert hits(text, lang) + ("hola" in words(text)) >= 1
        assert hits(text, "en") <= hits(text, lang) + 1


async def test_greeting_with_a_real_question_is_answered() -> None:
    text = await reply("Hi, what is DNS?")
    assert "DNS" in text
    assert len(text.split()) >= 40


@pytest.mark.parametrize(
    "question",
    [
        "What are the steps to repot a plant?",
        "Give me a list of ideas for a rainy day",
        "How do I learn to juggle?",
        "Quelles sont les étapes pour rempoter une plante ?",
        "Welche Schritte braucht man, um eine Pflanze umzutopfen?",
        "¿Cuáles son los pasos para trasplantar una planta?",
    ],
)
async def test_steps_or_list_question_gets_bullets(question: str) -> None:
    text = await reply(question)
    bullets = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(bullets) >= 3


async def test_plain_question_has_no_bullets() -> None:
    text = await reply("Why is the sky blue?")
    assert not any(line.startswith("- ") for line in text.splitlines())


@pytest.mark.parametrize("lang", ["en", "fr", "de", "es"])
async def test_reasoning_request_thinks_first_in_the_same_language(lang: str) -> None:
    evs = await events(request(QUESTIONS[lang], model="o4-mini", reasoning={"effort": "medium", "summary": "auto"}))
    first = evs[0]
    assert isinstance(first, Reasoning)
    assert first.tokens > 0
    assert len(first.summary) == 1 and first.summary[0].strip()
    assert hits(first.summary[0], lang) >= 3
    if lang != "en":
        assert hits(first.summary[0], "en") < hits(first.summary[0], lang)
    assert sum(isinstance(event, Reasoning) for event in evs) == 1
    assert text_of(evs)


@pytest.mark.parametrize("reasoning", [None, {"effort": "none"}])
async def test_no_reasoning_without_effort(reasoning: dict[str, str] | None) -> None:
    evs = await events(request("Why is the sky blue?", reasoning=reasoning))
    assert not any(isinstance(event, Reasoning) for event in evs)


async def test_pacing_on_adds_plausible_delays() -> None:
    evs = await events(request("What are the steps to bake sourdough bread at home?"), words_per_second=25)
    delays = [event.seconds for event in evs if isinstance(event, Delay)]
    word_count = len(text_of(evs).split())
    assert 60 <= word_count <= 150
    assert delays and all(0 < seconds < 1 for seconds in delays)
    assert 1.0 <= sum(delays) <= 10.0
    assert isinstance(evs[0], Delay) and evs[0].seconds >= 0.15  # thinking before the first words
    # Text chunks alternate with pauses: no two deltas in a row.
    kinds = [type(event) for event in evs if isinstance(event, TextDelta | Delay)]
    assert all(not (a is TextDelta and b is TextDelta) for a, b in zip(kinds, kinds[1:], strict=False))


async def test_pace_scales_with_words_per_second() -> None:
    req = request("What are the steps to bake sourdough bread at home?")
    slow = sum(e.seconds for e in await events(req, words_per_second=10) if isinstance(e, Delay))
    fast = sum(e.seconds for e in await events(req, words_per_second=50) if isinstance(e, Delay))
    assert slow > 3 * fast


async def test_pacing_does_not_change_the_text() -> None:
    req = request("Why do leaves change colour in autumn?")
    paced, unpaced = await events(req, words_per_second=25), await events(req, words_per_second=0)
    assert [e for e in paced if not isinstance(e, Delay)] == unpaced


async def test_pacing_off_has_no_delays() -> None:
    evs = await events(request("What are the steps to bake bread?", reasoning={"effort": "high"}))
    assert not any(isinstance(event, Delay) for event in evs)


@pytest.mark.parametrize(
    "context",
    [
        [],
        [{"type": "message", "role": "user", "content": ""}],
        [{"type": "message", "role": "user", "content": "   "}],
        [{"type": "message", "role": "user", "content": "?"}],
        [{"type": "message", "role": "user", "content": "🙂"}],
        [{"type": "message", "role": "user", "content": "42"}],
        [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "tell me a story"}]}],
        [{"type": "message", "role": "developer", "content": "be nice"}],
    ],
)
async def test_text_is_never_empty(context: list[dict[str, Any]]) -> None:
    text = text_of(await events(BackendRequest(model="gpt-4o", instructions=None, context=context)))
    assert text.strip()


@pytest.mark.parametrize("instructions", ["Be brief.", "Keep answers short", "Réponds de façon concise.", "Sei kurz."])
@pytest.mark.parametrize("question", [QUESTIONS["en"], QUESTIONS["fr"], "What are the steps to repot a plant?"])
async def test_brief_instructions_keep_to_two_sentences(instructions: str, question: str) -> None:
    text = await reply(question, instructions=instructions)
    assert text.strip()
    assert len(sentences(text)) <= 2
    assert "\n" not in text


async def test_uses_the_last_user_message() -> None:
    context: list[dict[str, Any]] = [
        {"type": "message", "role": "user", "content": "Tell me about volcanoes."},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Sure."}]},
        {"type": "message", "role": "user", "content": "What about glaciers?"},
    ]
    text = text_of(await events(BackendRequest(model="gpt-4o", instructions=None, context=context, turn_index=1)))
    assert "glaciers" in text and "volcanoes" not in text


async def test_json_text_format_gets_json() -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    fmt = {"type": "json_schema", "name": "reply", "schema": schema, "strict": True}
    parsed = json.loads(await reply("Why is the sky blue?", text_format=fmt))
    assert isinstance(parsed, dict) and "answer" in parsed
    wrapped = json.loads(await reply("Why is the sky blue?", text_format={"type": "json_object"}))
    assert isinstance(wrapped["reply"], str) and wrapped["reply"]
