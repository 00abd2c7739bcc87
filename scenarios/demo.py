"""The demo model: seeded, plausible prose for offline demos, typed out at a human pace.

Unlike the echo model it answers: the reply acknowledges the topic of the last user message (its longest
content words), adds two to four sentences of body, a bulleted list when the question asks for steps, ideas or
"how", and a closing line, 40 to 150 words in all. It answers in the language of the question (English, French,
German or Spanish, detected from stopwords; anything else gets English) and in its register: greetings, slang,
emoji or "!" get a casual reply, anything else a neutral, formal one. A bare greeting gets a greeting back.

Everything is drawn from ``random.Random`` seeded by a SHA-256 of the last user message, ``turn_index``, model
and instructions, so the same request always gets the same reply, and the phrase banks are built in
(``scenarios/demo_phrases.py``). Instructions that ask to be brief, short or concise hold the reply to two
sentences. Reasoning models emit a ``Reasoning`` item with a summary in the same language first. Text arrives
in chunks of one to four words separated by ``Delay`` events (``words_per_second``; ``0`` sends no delays).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from random import Random

from scenarios.base import BackendEvent, BackendRequest, Delay, MessageEnd, MessageStart, Reasoning, TextDelta
from scenarios.demo_phrases import (
    BANKS,
    BRIEF_WORDS,
    CASUAL_MARKERS,
    CASUAL_SIGNS,
    NOT_TOPIC,
    SMALL_TALK,
    PhraseBank,
)
from scenarios.echo import REASONING_TOKENS, formatted, last_user_text

MIN_WORDS = 40
MAX_WORDS = 150
MAX_TOPIC_SENTENCES = 2  # body sentences that repeat the topic, so the reply does not parrot it

_WORD = re.compile(r"[^\W\d_]+")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]")
_PIECE = re.compile(r"\s*\S+")  # a word with the whitespace before it: pieces concatenate to the text
_BRIEF_PHRASES = ("one sentence", "two sentences", "une phrase", "einem satz", "una frase")

# Words never taken as the topic: function words, question words, greetings, slang, and vague verbs.
_NOT_TOPIC = frozenset().union(
    *(bank.stopwords | bank.question_words | bank.list_triggers | bank.informal for bank in BANKS.values()),
    *(phrase.split() for bank in BANKS.values() for phrase in bank.greetings),
    SMALL_TALK,
    CASUAL_MARKERS,
    NOT_TOPIC,
)
_TOPIC_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")  # hyphenated words stay whole ("week-end")


def words(text: str) -> list[str]:
    """The lowercase words of ``text`` (letters only; apostrophes, hyphens and digits separate words)."""
    return _WORD.findall(text.lower())


def greeting_language(tokens: Sequence[str]) -> str | None:
    """The language of the greeting phrase ``tokens`` start with, if they start with one."""
    for lang, bank in BANKS.items():
        for phrase in bank.greetings:
            parts = phrase.split()
            if list(tokens[: len(parts)]) == parts:
                return lang
    return None


def detect_language(text: str) -> str:
    """``en``, ``fr``, ``de`` or ``es``: the bank whose stopwords (and greetings) the text hits most; English
    on ties and when nothing hits."""
    tokens = words(text)
    greeted = greeting_language(tokens)
    best, best_hits = "en", 0
    for lang, bank in BANKS.items():
        hits = sum(token in bank.stopwords for token in tokens) + (2 if greeted == lang else 0)
        if hits > best_hits:
            best, best_hits = lang, hits
    return best


def is_casual(text: str, bank: PhraseBank) -> bool:
    """Slang, informal greetings, the informal "you", emoji or exclamation marks make the register casual."""
    if any(sign in text for sign in CASUAL_SIGNS) or _EMOJI.search(text):
        return True
    return any(token in CASUAL_MARKERS or token in bank.informal for token in words(text))


def message_kind(text: str, bank: PhraseBank) -> str:
    """``greeting`` (a greeting and small talk only), ``question`` or ``statement``."""
    tokens = words(text)
    if greeting_language(tokens) is not None:
        rest = [t for t in tokens if t not in SMALL_TALK and t not in bank.stopwords]
        if all(any(t in phrase.split() for b in BANKS.values() for phrase in b.greetings) for t in rest):
            return "greeting"
    if "?" in text or "¿" in text or any(t in bank.question_words for t in tokens[:2]):
        return "question"
    return "statement"


def wants_list(text: str, bank: PhraseBank) -> bool:
    """Whether the message asks for steps, ideas, tips, a list or how to do something."""
    return any(token in bank.list_triggers for token in words(text))


def is_brief(instructions: str | None) -> bool:
    """Whether the instructions ask for a brief, short or concise answer."""
    if not instructions:
        return False
    lowered = instructions.lower()
    return any(token in BRIEF_WORDS for token in words(lowered)) or any(p in lowered for p in _BRIEF_PHRASES)


def _verb_like(word: str, previous: str, lang: str) -> bool:
    """Crude guess that a word is a verb, so nouns win the topic: an infinitive ending in French and Spanish,
    a word after "to" in English, a lowercase word in German (whose nouns are capitalised)."""
    lowered = word.lower()
    if lang == "fr":
        return lowered.endswith(("er", "ir"))
    if lang == "es":
        return lowered.endswith(("ar", "er", "ir"))
    if lang == "de":
        return not word[0].isupper()
    return previous == "to"


def topic_words(text: str, lang: str, rng: Random) -> list[str]:
    """One to three of the longest content words of ``text`` (nouns preferred, later words on ties), as
    phrases in the order they appear: neighbouring words join ("pizza topping")."""
    found = list(_TOPIC_WORD.finditer(text))
    candidates: list[tuple[int, str]] = []
    verbs: list[tuple[int, str]] = []
    seen: set[str] = set()
    for index, match in enumerate(found):
        word = match.group()
        lowered = word.lower()
        if len(word) < 3 or all(part in _NOT_TOPIC for part in lowered.split("-")) or lowered in seen:
            continue
        seen.add(lowered)
        if lang != "de" and index == 0 and word[1:] == word[1:].lower():
            word = lowered  # "Photosynthesis?" -> "photosynthesis", but "Paris" or "NASA" keep their case
        previous = found[index - 1].group().lower() if index else ""
        (verbs if _verb_like(word, previous, lang) else candidates).append((index, word))
    count = rng.choices((1, 2, 3), weights=(5, 3, 2))[0]
    chosen = sorted(candidates or verbs, key=lambda c: (-len(c[1]), -c[0]))[:count]
    phrases: list[str] = []
    previous_index = -2
    for index, word in sorted(chosen):
        if index == previous_index + 1:
            phrases[-1] = f"{phrases[-1]} {word}"
        else:
            phrases.append(word)
        previous_index = index
    return phrases


def render_topic(topic: Sequence[str], bank: PhraseBank) -> str:
    """The topic phrases quoted the language's way and joined with its "and"; the bank's default when none."""
    if not topic:
        return bank.default_topic
    opening, closing = bank.quotes
    quoted = [f"{opening}{phrase}{closing}" for phrase in topic]
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} {bank.and_word} {quoted[-1]}"


def seed_for(request: BackendRequest, salt: str) -> int:
    """A stable 64-bit seed from the request (never ``hash()``, which changes between processes)."""
    key = [salt, request.model, request.instructions, request.turn_index, last_user_text(request.context)]
    digest = hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True, slots=True)
class DemoReply:
    """A composed reply: its text, language, and its main topic (for the reasoning summary)."""

    text: str
    lang: str
    topic: str


def compose(request: BackendRequest) -> DemoReply:
    """The reply to the last user message of ``request``, drawn from the phrase banks with a seeded RNG."""
    rng = Random(seed_for(request, "text"))
    question = last_user_text(request.context).strip()
    lang = detect_language(question)
    bank = BANKS[lang]
    register = "casual" if is_casual(question, bank) else "formal"
    kind = message_kind(question, bank)
    phrases = topic_words(question, lang, rng)
    topic = render_topic(phrases, bank)  # the opening names every phrase; the rest only the main one
    main = render_topic(sorted(phrases, key=len, reverse=True)[:1], bank)
    if kind == "greeting" or not words(question):  # nothing to answer ("", "?", "🙂"): greet and offer help
        return DemoReply(rng.choice(bank.greeting_replies[register]), lang, main)

    opening = rng.choice(bank.openings[(kind, register)]).format(topic=topic)
    body: list[str] = []
    topical = 0
    for template in rng.sample(bank.body, len(bank.body)):
        if "{topic}" in template:
            if topical == MAX_TOPIC_SENTENCES:
                continue
            topical += 1
        body.append(template.format(topic=main))
    if is_brief(request.instructions):
        return DemoReply(f"{opening} {body[0]}", lang, main)

    used = rng.randint(2, 4)
    bullets: list[str] = []
    if wants_list(question, bank):
        intro = rng.choice(bank.list_intros[register])
        items = rng.sample(bank.list_items, rng.randint(3, 5))
        bullets = [intro, *(f"- {item.format(topic=main)}" for item in items)]
    closing = rng.choice(bank.closings[register])

    def assemble() -> str:
        parts = [" ".join([opening, *body[:used]])]
        if bullets:
            parts.append("\n".join(bullets))
        parts.append(closing)
        return "\n\n".join(parts)

    text = assemble()
    while len(text.split()) < MIN_WORDS and used < len(body):
        used += 1
        text = assemble()
    while len(text.split()) > MAX_WORDS and used > 1:
        used -= 1
        text = assemble()
    return DemoReply(text, lang, main)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


class DemoBackend:
    """Backend ``demo``: varied, deterministic prose in the question's language, typed at a human pace."""

    name = "demo"

    def __init__(self, words_per_second: float = 25.0, thinking_seconds: float = 0.25) -> None:
        """``words_per_second`` paces the text (``0``: no ``Delay`` events at all); ``thinking_seconds`` is the
        pause before the first words. Both get a seeded jitter."""
        if words_per_second < 0 or thinking_seconds < 0:
            raise ValueError("words_per_second and thinking_seconds must not be negative")
        self.words_per_second = words_per_second
        self.thinking_seconds = thinking_seconds

    async def stream(self, request: BackendRequest) -> AsyncIterator[BackendEvent]:
        """Reasoning (on reasoning models), a thinking pause, then the message in paced chunks."""
        reply = compose(request)
        text = reply.text
        if request.text_format.get("type") in ("json_schema", "json_object"):
            query = last_user_text(request.context)
            text = formatted(query if _is_json(query) else text, request.text_format)

        effort = (request.reasoning or {}).get("effort")
        if request.reasoning is not None and effort != "none":
            summary_rng = Random(seed_for(request, "reasoning"))
            summary = summary_rng.choice(BANKS[reply.lang].summaries).format(topic=reply.topic)
            tokens = REASONING_TOKENS.get(str(effort), 64) + len(summary.split())
            yield Reasoning(tokens=tokens, summary=(summary,))

        paced = self.words_per_second > 0
        chunking = Random(seed_for(request, "chunks"))
        jitter = Random(seed_for(request, "jitter"))
        if paced and self.thinking_seconds > 0:
            yield Delay(round(self.thinking_seconds * jitter.uniform(0.8, 1.2), 4))
        yield MessageStart()
        pieces = _PIECE.findall(text) or [text]
        start = 0
        while start < len(pieces):
            count = chunking.randint(1, 4)
            chunk = "".join(pieces[start : start + count])
            start += count
            yield TextDelta(chunk)
            if paced and start < len(pieces):
                seconds = count / self.words_per_second * jitter.uniform(0.6, 1.4)
                if chunk.endswith((".", "!", "?", ":")):
                    seconds *= 2.5  # a breath between sentences
                yield Delay(round(seconds, 4))
        yield MessageEnd()
