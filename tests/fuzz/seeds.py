"""Write the hand-picked seed inputs into ``tests/fuzz/corpus/`` (``seed-*``).

Run ``python tests/fuzz/seeds.py`` after adding a seed here; the files are
committed. Each seed is a payload plus the trailer ``fuzzchecks`` reads
(options, one low limit, chunk sizes), so it exercises one nasty case in a
chosen chunking. Inputs the fuzzer found are kept as ``found-*`` files.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fuzzchecks import ALLOW_NAN, LENIENT, MULTIPLE_VALUES, encode_case, limit_byte

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

BYTES = ()  # one byte (or character) at a time
SMALL = (1, 2, 3)
ODD = (7, 0, 1, 13)  # with an empty chunk

DOC = (
    '{"title": "Crème brûlée", "parts": [{"name": "egg", "qty": 4, "tags": ["yolk"]},'
    ' {"name": "sugar"}], "kind": "a", "score": 4.5, "meta": {"serves": 6, "easy": true}}'
)

SEEDS: dict[str, tuple[str | bytes, dict[str, object]]] = {
    # Nesting: past max_depth, at it, past json's recursion limit, unclosed.
    "deep-arrays-1100": ("[" * 1100 + "]" * 1100, {}),
    "deep-arrays-1024": ("[" * 1024 + "]" * 1024, {"sizes": (64,)}),
    "deep-objects-600": ('{"a":' * 600 + "1" + "}" * 600, {"sizes": (5, 64)}),
    "deep-unclosed": ("[" * 3000, {"sizes": (64,)}),
    "deep-mixed-jsonl": ("[" * 1500 + "]" * 1500 + "\n[1]\n", {"sizes": (64, 3)}),
    # Surrogates: split escapes, lone halves, raw characters split in bytes.
    "surrogate-pair-split": ('"\\ud83d\\ude00"', {"sizes": BYTES}),
    "surrogate-pair-3": ('["\\ud83d\\ude00", "\\uD83D\\uDE00"]', {"sizes": (3,)}),
    "surrogate-lone-high": ('"\\ud83d"', {"sizes": SMALL}),
    "surrogate-lone-low": ('"\\ude00"', {}),
    "surrogate-high-then-char": ('["\\ud83dx", "\\ud83d\\u0041"]', {"sizes": SMALL}),
    "surrogate-high-high": ('"\\ud83d\\ud83d\\ude00"', {"sizes": (5,)}),
    "utf8-split-bytes": ('{"é": "😀€ü"}', {"sizes": BYTES}),
    "utf8-split-odd": ('["日本語", "😀😀"]', {"sizes": ODD}),
    # Byte order marks.
    "bom": ("\ufeff[1]", {"sizes": BYTES}),
    "bom-twice": ("\ufeff\ufeff[1]", {}),
    "bom-alone": ("\ufeff", {}),
    "bom-jsonl": ("\ufeff1\n\ufeff2\n", {"sizes": BYTES}),
    # Words that look like numbers.
    "nan-words": ("[NaN, Infinity, -Infinity]", {"flags": ALLOW_NAN, "sizes": SMALL}),
    "nan-rejected": ("[NaN]", {}),
    "nan-prefixes": ("[Infinit", {"flags": ALLOW_NAN}),
    "nan-lowercase": ("nan", {"flags": ALLOW_NAN}),
    "nan-glued": ("NaNa", {"flags": ALLOW_NAN, "sizes": BYTES}),
    "literal-glued": ("truefalse", {}),
    "literal-split": ("[true, false, null]", {"sizes": BYTES}),
    # Invalid UTF-8.
    "utf8-invalid-start": (b'"\xff"', {}),
    "utf8-truncated": (b'"\xc3', {}),
    "utf8-encoded-surrogate": (b'"\xed\xa0\x80"', {"sizes": BYTES}),
    "utf8-overlong": (b'["\xc0\xaf"]', {}),
    "utf8-jsonl": (b"[1]\n\xfe\n[2]\n\xe8\n3\n", {"sizes": BYTES}),
    # Numbers.
    "huge-exponents": ("[1e400, -1e-400, 1E+999999999, 1e308, 1e309]", {"sizes": SMALL}),
    "minus-zero": ("[-0, -0.0, 0, -0e0]", {"sizes": BYTES}),
    "minus-alone": ("-", {}),
    "leading-zeros": ("[01]", {}),
    "number-oddities": ("[1., .5, +1, 1e, 1e+]", {"sizes": BYTES}),
    "int-past-digit-limit": ("1" * 5000, {"sizes": (64,)}),
    "int-at-digit-limit": ("[" + "9" * 4300 + "]", {"sizes": (64,)}),
    "float-long": ("0." + "1" * 3000, {"sizes": (64, 1)}),
    "top-level-number-eof": ("123", {"sizes": BYTES}),
    # Strings.
    "control-characters": ('["\x00", "\t", "\x1f"]', {}),
    "escapes-bad": ('["\\x", "\\u12", "\\u12G4"]', {"sizes": BYTES}),
    "escapes-all": ('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"', {"sizes": BYTES}),
    "duplicate-keys": ('{"a": 1, "a": [2], "a": {"b": 3}}', {"sizes": SMALL}),
    # JSON Lines.
    "jsonl-crlf": ("1\r\n2\r\n{}\r\n", {"sizes": BYTES}),
    "jsonl-lone-cr": ("1\r2\n", {}),
    "jsonl-blank-lines": ("\n\n \t\n1\n\n\r\n", {"sizes": SMALL}),
    "jsonl-bad-lines": ('{"a": 1}\n{oops\n[2, "é"]\n1 2\n', {"sizes": ODD}),
    "jsonl-truncated-last": ('{"a": 1}\n{"b":', {"sizes": SMALL}),
    "jsonl-no-final-newline": ("1\n2", {}),
    "jsonl-long-line": ('["' + "x" * 600 + '"]\n[1]\n', {"sizes": (64,)}),
    # The typed path (the model in fuzzchecks: Doc / Part).
    "typed-valid": (DOC, {"sizes": SMALL}),
    "typed-valid-bytes": (DOC, {"sizes": BYTES}),
    "typed-bad-literal": ('{"title": "t", "kind": "c"}', {}),
    "typed-extra-forbidden": ('{"title": "t", "parts": [{"name": "n", "extra": 1}]}', {}),
    "typed-missing-required": ('{"parts": [{"qty": 1}]}', {"sizes": SMALL}),
    "typed-wrong-type": ('{"title": ["t"], "score": "high"}', {}),
    "typed-union": ('{"title": "t", "meta": {"a": 1, "b": true, "c": 1.5}}', {"sizes": SMALL}),
    # Lenient mode and several values.
    "lenient-fence": (
        'Here is the JSON:\n```json\n{"a": 1}\n```\nDone.',
        {"flags": LENIENT, "sizes": SMALL},
    ),
    "lenient-think": ('<think>{"no": 1}</think> [1, 2]', {"flags": LENIENT, "sizes": BYTES}),
    "lenient-prose": ('prose [not json] {"a": [1, 2]} tail', {"flags": LENIENT}),
    "multiple-values": ('1 2 {}[]"x" null', {"flags": MULTIPLE_VALUES, "sizes": BYTES}),
    "multiple-glued": ("12 truefalse{}{}", {"flags": MULTIPLE_VALUES}),
    "lenient-multiple": (
        "a [1] b ```json\n2\n``` {}",
        {"flags": LENIENT | MULTIPLE_VALUES, "sizes": SMALL},
    ),
    # Limits at their boundaries.
    "limit-depth-at": ("[[[]]]", {"limit": limit_byte("max_depth", 3)}),
    "limit-depth-past": ("[[[[]]]]", {"limit": limit_byte("max_depth", 3), "sizes": BYTES}),
    "limit-string-at": ('["abcde"]', {"limit": limit_byte("max_string_length", 5)}),
    "limit-string-past": ('["abcdef"]', {"limit": limit_byte("max_string_length", 5)}),
    "limit-key-past": ('{"abcdef": 1}', {"limit": limit_byte("max_string_length", 5)}),
    "limit-string-escapes": (
        '["\\u00e9\\n\\ud83d\\ude00ab"]',
        {"limit": limit_byte("max_string_length", 4), "sizes": BYTES},
    ),
    "limit-number-at": ("[123, -12, 1.5]", {"limit": limit_byte("max_number_length", 3)}),
    "limit-number-past": ("[1234]", {"limit": limit_byte("max_number_length", 3)}),
    "limit-number-top-level": ("1234", {"limit": limit_byte("max_number_length", 3)}),
    "limit-members-at": ('{"a": 1, "b": 2}', {"limit": limit_byte("max_members", 2)}),
    "limit-members-past": ('{"a": 1, "b": 2, "c": 3}', {"limit": limit_byte("max_members", 2)}),
    "limit-members-duplicates": (
        '{"a": 1, "a": 2, "a": 3}',
        {"limit": limit_byte("max_members", 2)},
    ),
    "limit-document-at": ("[1, 2, 3] ", {"limit": limit_byte("max_document_size", 10)}),
    "limit-document-past": ("[1, 2, 3]  ", {"limit": limit_byte("max_document_size", 10)}),
    "limit-record-size": (
        "[1]\n[1, 2, 3, 4, 5]\n[2]\n",
        {"limit": limit_byte("max_document_size", 8), "sizes": SMALL},
    ),
}


def main() -> None:
    os.makedirs(CORPUS, exist_ok=True)
    for name, (payload, options) in SEEDS.items():
        data = payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload
        trailer: dict[str, object] = dict(options)
        sizes = trailer.pop("sizes", SMALL)
        encoded = encode_case(data, sizes=tuple(sizes), **trailer)  # type: ignore[arg-type]
        with open(os.path.join(CORPUS, f"seed-{name}"), "wb") as file:
            file.write(encoded)
    print(f"wrote {len(SEEDS)} seeds to {CORPUS}")


if __name__ == "__main__":
    main()
