"""Write patch_cases.json: the cases every jsondrip patch reader must pass.

Run ``python tests/conformance/make_cases.py`` after changing a case; a test
checks that the committed file is what this script writes. Each case is
``{"name", "messages", "value"}``: apply the messages in order to a fresh
state (value ``null``, no open value) and compare. With ``"error": true`` the
last message must be refused and the value must stay as the earlier messages
left it (``value``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from jsondrip import Parser
from jsondrip.patch import PatchEncoder, apply_patch

HERE = Path(__file__).resolve().parent
OUT = HERE / "patch_cases.json"

#: Documents streamed by a Parser in the given chunks: the messages are the encoder's.
STREAMS: list[tuple[str, list[str], dict[str, Any]]] = [
    ("recipe", ['{"title": "Crè', "me br", 'ûlée", "steps": ["Heat', ' the oven", "Whisk"]}'], {}),
    ("scalars", ['[1, -2.5e3, true, false, null, "', '", {}, []]'], {}),
    ("root string", ['"ab', "cd", 'ef"'], {}),
    (
        "unicode and escapes",
        ['{"s": "\\u00e9\\n', "\\ud83e", '\\udd44 🥄", "\\"q\\"": "\\\\"}'],
        {},
    ),
    ("awkward keys", ['{"": 1, "/": {"~": ["a/b"]}, "~1": "x", "a/b~c": ', '"y"}'], {}),
    (
        "hostile keys",
        ['{"__proto__": {"polluted": "ye', 's"}, "constructor": {"prototype": 1}}'],
        {},
    ),
    ("duplicate keys", ['{"a": "x", "a": [1', "]}"], {}),
    ("nested arrays", ["[[[", '"deep', '"]], [], [[1]]]'], {}),
    ("several documents", ['{"a": "b"} [1', "] ", '"c"'], {"multiple_values": True}),
    ("whole strings", ['{"a": "bc', 'de", "f": ["g"]}'], {"partial_strings": False}),
]

#: Hand-written messages: explicit forms, RFC 6902, and what must be refused.
HAND: list[dict[str, Any]] = [
    {
        "name": "explicit append and end",
        "messages": [
            {"op": "add", "path": "", "value": {}},
            {"op": "add", "path": "/a", "value": "x"},
            {"op": "add", "path": "/b", "value": "y"},
            {"op": "append", "path": "/a", "value": "1"},
            "2",
            {"op": "end", "path": "/a"},
            {"op": "end"},
        ],
        "value": {"a": "x12", "b": "y"},
    },
    {
        "name": "rfc 6902 add and replace",
        "messages": [
            {"op": "add", "path": "", "value": {"a": [1, 3]}},
            {"op": "add", "path": "/a/1", "value": 2},
            {"op": "add", "path": "/a/-", "value": 4},
            {"op": "replace", "path": "/a/0", "value": 0},
            {"op": "add", "path": "/a", "value": {"k": "v"}},
        ],
        "value": {"a": {"k": "v"}},
    },
    {
        "name": "replace resyncs the root and opens it",
        "messages": [
            {"op": "add", "path": "", "value": "partial"},
            {"op": "replace", "path": "", "value": "whole"},
            " text",
        ],
        "value": "whole text",
    },
    {
        "name": "proto keys are plain members",
        "messages": [
            {"op": "add", "path": "", "value": {}},
            {"op": "add", "path": "/__proto__", "value": {}},
            {"op": "add", "path": "/__proto__/polluted", "value": True},
            {"op": "add", "path": "/constructor", "value": {}},
            {"op": "add", "path": "/constructor/prototype", "value": {}},
            {"op": "add", "path": "/constructor/prototype/polluted", "value": "x"},
            "y",
        ],
        "value": {
            "__proto__": {"polluted": True},
            "constructor": {"prototype": {"polluted": "xy"}},
        },
    },
]

REFUSED: list[tuple[str, list[Any]]] = [
    ("append with no open string", ["x"]),
    ("append to an object", [{"op": "add", "path": "", "value": {}}, "x"]),
    ("end with nothing open", [{"op": "end"}]),
    ("unknown op", [{"op": "move", "path": "", "from": "/a"}]),
    ("add without a path", [{"op": "add", "value": 1}]),
    ("add without a value", [{"op": "add", "path": ""}]),
    ("not a pointer", [{"op": "add", "path": "a", "value": 1}]),
    (
        "bad escape",
        [{"op": "add", "path": "", "value": {}}, {"op": "add", "path": "/~2", "value": 1}],
    ),
    (
        "past the end",
        [{"op": "add", "path": "", "value": []}, {"op": "add", "path": "/1", "value": 1}],
    ),
    (
        "leading zero",
        [{"op": "add", "path": "", "value": [0]}, {"op": "add", "path": "/00", "value": 1}],
    ),
    (
        "missing parent",
        [{"op": "add", "path": "", "value": {}}, {"op": "add", "path": "/a/b", "value": 1}],
    ),
    (
        "replace missing",
        [{"op": "add", "path": "", "value": {}}, {"op": "replace", "path": "/a", "value": 1}],
    ),
    (
        "inherited constructor",
        [
            {"op": "add", "path": "", "value": {}},
            {"op": "add", "path": "/constructor/prototype", "value": 1},
        ],
    ),
    (
        "inherited proto",
        [
            {"op": "add", "path": "", "value": {}},
            {"op": "add", "path": "/__proto__/polluted", "value": 1},
        ],
    ),
    (
        "append to inherited toString",
        [
            {"op": "add", "path": "", "value": {}},
            {"op": "append", "path": "/toString", "value": "x"},
        ],
    ),
    (
        "through a scalar",
        [{"op": "add", "path": "", "value": 1}, {"op": "add", "path": "/a", "value": 1}],
    ),
    (
        "append a number",
        [{"op": "add", "path": "", "value": "s"}, {"op": "append", "path": "", "value": 1}],
    ),
    (
        "append to a number",
        [{"op": "add", "path": "", "value": [1]}, {"op": "append", "path": "/0", "value": "x"}],
    ),
    (
        "end of a missing path",
        [{"op": "add", "path": "", "value": {}}, {"op": "end", "path": "/nope"}],
    ),
    (
        "array index on an array's length property",
        [{"op": "add", "path": "", "value": []}, {"op": "append", "path": "/length", "value": "x"}],
    ),
    ("not an object", [{"op": "add", "path": "", "value": {}}, 1]),
    ("null message", [None]),
    ("array message", [["add", "", 1]]),
]


def cases() -> list[dict[str, Any]]:
    """Every case, in a stable order."""
    out: list[dict[str, Any]] = []
    for name, chunks, options in STREAMS:
        parser = Parser(**options)
        encoder = PatchEncoder()
        messages: list[Any] = []
        for chunk in chunks:
            messages += encoder.encode(parser.feed(chunk))
        messages += encoder.encode(parser.feed_eof())
        out.append({"name": name, "messages": messages, "value": parser.close()})
    out += HAND
    for name, messages in REFUSED:
        before = apply_patch(None, messages[:-1])
        out.append({"name": name, "messages": messages, "value": before, "error": True})
    return out


def render() -> str:
    """The file's text."""
    lines = [json.dumps(case, ensure_ascii=False) for case in cases()]
    return "[\n" + ",\n".join(lines) + "\n]\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
