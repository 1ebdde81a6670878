"""Deterministic benchmark inputs.

Every generator takes a seed and returns the same text for the same arguments, so
runs are comparable across machines and commits.  Sizes are in characters of the
serialised JSON text (approximately: documents grow item by item until they reach
the target).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Union

Chunk = Union[str, bytes]

SEED = 20240521

_VOCABULARY = (
    "the model returns a structured answer with fields and a list of items "
    "because streaming output arrives token by token while the user waits "
    "parser value chunk latency throughput schema field object array string "
    "café naïve résumé déjà vu über straße crème brûlée façade jalapeño "
    "日本語 東京 漢字 学生 中文 你好 世界 한국어 서울 "
    "Ελληνικά Москва привет "
    "😀 🚀 ✨ 🎉 👍🏽 🇫🇷 ❤️"
)
_WORDS = _VOCABULARY.split()
_PUNCT = (".", ",", "!", "?", ";", ":", " —")
_ODD = ('"quoted"', "back\\slash", "tab\there", "C:\\path\\file", "a/b", "\u00e9t\u00e9", "\x01")
_TAGS = ("rust", "python", "json", "llm", "stream", "parser", "日本", "données", "🚀fast")
_LANGS = ("en", "fr", "de", "ja", "zh", "ko", "es", "el")


def prose(rng: random.Random, n_chars: int) -> str:
    """Return realistic multi-paragraph prose of about ``n_chars`` characters.

    The text mixes ASCII, accented Latin, CJK, Greek, Cyrillic and emoji (including
    astral-plane characters and ZWJ/flag sequences), with newlines, quotes, backslashes
    and the odd control character so that JSON serialisation produces real escapes.
    """
    parts: list[str] = []
    size = 0
    sentence_len = 0
    while size < n_chars:
        word = rng.choice(_ODD) if rng.random() < 0.03 else rng.choice(_WORDS)
        if sentence_len == 0:
            word = word[:1].upper() + word[1:]
        parts.append(word)
        sentence_len += 1
        if sentence_len > rng.randint(6, 16):
            parts.append(rng.choice(_PUNCT))
            parts.append("\n\n" if rng.random() < 0.15 else " ")
            sentence_len = 0
        else:
            parts.append(" ")
        size += len(word) + 1
    return "".join(parts)[:n_chars]


def _dumps(value: object, ascii_only: bool = False) -> str:
    return json.dumps(value, ensure_ascii=ascii_only)


def _llm_item(rng: random.Random, i: int) -> dict[str, object]:
    return {
        "id": i,
        "name": prose(rng, rng.randint(8, 30)).strip(),
        "description": prose(rng, rng.randint(30, 160)),
        "score": round(rng.uniform(-100, 100), rng.randint(1, 6)),
        "count": rng.randint(0, 10 ** rng.randint(1, 9)),
        "ratio": rng.random(),
        "active": rng.random() < 0.5,
        "parent": None if rng.random() < 0.7 else rng.randint(0, i + 1),
        "labels": [rng.choice(_TAGS) for _ in range(rng.randint(0, 4))],
        "coords": [round(rng.gauss(0, 50), 4) for _ in range(rng.randint(0, 3))],
        "meta": {"source": rng.choice(("web", "db", "cache")), "rank": [i, -i, 0.5]},
    }


def llm_document(size: int, seed: int = SEED, prose_len: int | None = None) -> str:
    """An LLM structured-output style object of about ``size`` characters.

    Short header fields, one long prose field (capped at about 4 KB, as in real model
    output, unless ``prose_len`` sets its length), a shorter excerpt serialised with
    ``ensure_ascii=True`` so that ``\\uXXXX`` escapes (including surrogate pairs)
    appear, and a list of small item objects that grows with ``size``.  Some items are
    also serialised ASCII-only.
    """
    rng = random.Random(seed * 7 + size)
    if prose_len is None:
        prose_len = max(120, min(4000, size * 3 // 10))
    head = [
        ("id", _dumps(f"resp_{rng.randrange(16**12):012x}")),
        ("title", _dumps(prose(rng, 40).strip())),
        ("language", _dumps(rng.choice(_LANGS))),
        ("tags", _dumps([rng.choice(_TAGS) for _ in range(4)], ascii_only=False)),
        ("confidence", _dumps(round(rng.random(), 3))),
        ("draft", "false"),
        ("reviewer", "null"),
        ("summary", _dumps(prose(rng, prose_len), ascii_only=False)),
        ("excerpt", _dumps(prose(rng, max(40, prose_len // 8)), ascii_only=True)),
    ]
    text = "{" + ", ".join(f"{_dumps(k)}: {v}" for k, v in head) + ', "items": ['
    closing = '], "usage": {"prompt_tokens": 812, "completion_tokens": 4096, "cost": 1.5e-3}}'
    items: list[str] = []
    length = len(text) + len(closing)
    i = 0
    while length < size or not items:
        item = _dumps(_llm_item(rng, i), ascii_only=(i % 5 == 4))
        items.append(item)
        length += len(item) + 2
        i += 1
    return text + ", ".join(items) + closing


def long_text_document(size: int, seed: int = SEED) -> str:
    """:func:`llm_document` whose prose field is 45 % of the document (a long answer).

    Growing the open string must cost O(chunk), not O(string so far): with the value
    read after every chunk this is where a non-linear parser shows.
    """
    return llm_document(size, seed, prose_len=size * 45 // 100)


def deep_document(size: int) -> str:
    """Nesting that deepens with ``size``: ``{"a": [0, {"a": [1, ... "end" ...]}]}``.

    About 12 characters per level (1 MB is ~80,000 levels deep), so the cost of a
    container's path (and of every delta inside it) shows: O(depth) per container
    would make the document quadratic.
    """
    levels = max(1, size // 12)
    return "".join(f'{{"a": [{i % 10}, ' for i in range(levels)) + '"end"' + "]}" * levels


def deep_fingerprint(value: object) -> tuple[int, int]:
    """``(depth, sum of the numbers)`` of a :func:`deep_document` value, found
    iteratively (``==`` and ``json`` recurse, and fail at this depth)."""
    depth = total = 0
    while isinstance(value, dict):
        number, value = value["a"]
        assert isinstance(number, int)
        total += number
        depth += 1
    return depth, total


def bad_jsonl_document(size: int, seed: int = SEED) -> str:
    """JSON Lines of which most lines are bad (``on_error="skip"`` territory).

    Each bad line must cost O(line): the stream is read in big chunks holding many
    lines, where a position re-summed over the earlier lines was quadratic.
    """
    rng = random.Random(seed * 17 + size)
    kinds = ("x", '{"id": 1, "ok": tru}', "[1, 2", '{"a" 1}', "nul", '"open', "1 2", '{"id": 7}')
    lines: list[str] = []
    length = 0
    while length < size or not lines:
        line = rng.choice(kinds)
        lines.append(line)
        length += len(line) + 1
    return "\n".join(lines) + "\n"


def _number(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        return str(rng.randint(-(10 ** rng.randint(1, 12)), 10 ** rng.randint(1, 12)))
    if kind < 0.75:
        return repr(round(rng.uniform(-1000, 1000), rng.randint(1, 12)))
    if kind < 0.9:
        return f"{rng.uniform(-10, 10):.{rng.randint(1, 6)}e}"
    return repr(rng.gauss(0, 1e-3))


def number_document(size: int, seed: int = SEED) -> str:
    """``{"data": [[1.25, -3, 4.5e-03, ...], ...], "shape": [...]}`` of about ``size`` chars.

    Rows of 8 numbers mixing ints (up to 12 digits), decimals, exponent notation and
    full-precision floats.
    """
    rng = random.Random(seed * 11 + size)
    rows: list[str] = []
    length = 40
    while length < size or not rows:
        row = "[" + ", ".join(_number(rng) for _ in range(8)) + "]"
        rows.append(row)
        length += len(row) + 2
    return '{"data": [' + ", ".join(rows) + f'], "shape": [{len(rows)}, 8], "dtype": "mixed"}}'


def split_chunks(text: Chunk, seed: int = SEED, lo: int = 1, hi: int = 7) -> list[Chunk]:
    """Split ``text`` into pieces of ``lo``..``hi`` units (uniform; mean 4 by default).

    For ``bytes`` the cut points are byte offsets, so multi-byte UTF-8 sequences are
    split freely.
    """
    rng = random.Random(seed ^ len(text))
    out: list[Chunk] = []
    pos = 0
    n = len(text)
    randint = rng.randint
    while pos < n:
        step = randint(lo, hi)
        out.append(text[pos : pos + step])
        pos += step
    return out


def split_fixed(data: bytes, size: int) -> list[bytes]:
    """Split ``data`` into fixed ``size`` pieces (the last one may be shorter)."""
    return [data[i : i + size] for i in range(0, len(data), size)]


@dataclass(frozen=True)
class JsonlFile:
    """A generated JSON Lines file on disk."""

    path: Path
    n_bytes: int
    n_records: int
    longest_record: int


def _jsonl_record(rng: random.Random, n: int, long_text: str) -> dict[str, object]:
    r = rng.random()
    text_len = rng.randint(10, 300) if r < 0.95 else rng.randint(1000, 6000)
    if r > 0.9995:
        text_len = 40_000  # a rare very long record
    start = rng.randrange(0, len(long_text) - text_len)
    return {
        "id": n,
        "ts": 1_700_000_000 + n * 7,
        "event": rng.choice(("token", "tool_call", "message", "error", "metric")),
        "user": {"name": rng.choice(_WORDS), "id": rng.randint(1, 10**6), "vip": r < 0.1},
        "text": long_text[start : start + text_len],
        "scores": [round(rng.random(), 4) for _ in range(rng.randint(0, 6))],
        "tags": [rng.choice(_TAGS) for _ in range(rng.randint(0, 3))],
        "extra": None if r < 0.8 else {"depth": [[1, 2], [3, [4, 5]]], "pi": 3.14159},
    }


def write_jsonl(path: Path, target_bytes: int, seed: int = SEED) -> JsonlFile:
    """Stream-generate about ``target_bytes`` of JSON Lines into ``path``.

    Records are written as they are produced, so memory stays small however large the
    file is.  Every line ends with ``\\n`` (including the last).
    """
    rng = random.Random(seed * 13)
    long_text = prose(rng, 60_000)
    n_bytes = n_records = longest = 0
    with open(path, "wb") as f:
        batch: list[bytes] = []
        while n_bytes < target_bytes:
            line = (_dumps(_jsonl_record(rng, n_records, long_text)) + "\n").encode()
            batch.append(line)
            n_bytes += len(line)
            n_records += 1
            longest = max(longest, len(line))
            if len(batch) >= 1000:
                f.write(b"".join(batch))
                batch.clear()
        f.write(b"".join(batch))
    return JsonlFile(path, n_bytes, n_records, longest)
