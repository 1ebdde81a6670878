"""The README's example and the package docstring say what the code does."""

from __future__ import annotations

import contextlib
import doctest
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import jsondrip

ROOT = Path(__file__).resolve().parent.parent


def test_readme_example_prints_what_its_comments_say() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    code = re.search(r"```python\n(.*?)```", readme, re.S)
    assert code is not None
    source = code.group(1)
    expected = [line.split("# ", 1)[1] for line in source.splitlines() if line.startswith("# {")]
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(source, "README.md", "exec"), {})
    assert output.getvalue().splitlines() == expected


def test_package_docstring_examples() -> None:
    failures, tried = doctest.testmod(jsondrip, verbose=False)
    assert tried > 0
    assert failures == 0


def test_every_public_name_is_documented() -> None:
    for name in jsondrip.__all__:
        obj = getattr(jsondrip, name)
        if name == "Path":
            continue  # a type alias
        assert obj.__doc__, name
        if isinstance(obj, type):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and (callable(member) or isinstance(member, property)):
                    assert member.__doc__, f"{name}.{attr}"


def test_replay_example_reproduces_the_recording() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "replay.py"), "--speed", "0"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
        timeout=60,
    )
    from importlib.resources import files

    recording = json.loads(files("jsondrip").joinpath("data/demo_stream.json").read_text("utf-8"))
    expected = json.loads("".join(recording["chunks"]))
    completed = [line for line in result.stdout.splitlines() if line.startswith("complete ")]
    assert len(completed) == len(expected["ingredients"]) + len(expected["steps"]) + len(
        expected["tags"]
    )
    body = result.stdout.split("\n\n" + str(len(recording["chunks"])))[0]
    final = json.loads(body[body.index("\n{") :])
    assert final == expected


@pytest.mark.parametrize(
    ("module", "dependency", "extra"),
    [
        ("jsondrip.pydantic", "pydantic", "pydantic"),
        ("jsondrip.testing", "hypothesis", "testing"),
        ("jsondrip.jsonschema", "jsonschema", "jsonschema"),
    ],
)
def test_a_missing_extra_names_the_pip_command(module: str, dependency: str, extra: str) -> None:
    # sys.modules[name] = None makes `import name` fail as if it were not installed.
    code = f"import sys; sys.modules[{dependency!r}] = None; import {module}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"ModuleNotFoundError: {module} needs {dependency}, which is not installed:"
        f' pip install "jsondrip[{extra}]"'
    )
    assert issubclass(ModuleNotFoundError, ImportError)


def test_readme_links_work_on_pypi() -> None:
    """PyPI shows the README without the repository: every link is absolute."""
    readme = (ROOT / "README.md").read_text("utf-8")
    prose = re.sub(r"^```.*?^```", "", readme, flags=re.S | re.M)  # code is not links
    targets = re.findall(r"\]\(([^)\s]+)\)", prose)
    assert targets
    relative = [t for t in targets if not t.startswith(("https://", "http://", "#", "mailto:"))]
    assert relative == []
    for target in targets:
        if target.startswith("https://github.com/jsondrip/jsondrip/blob/main/"):
            assert (ROOT / target.split("/blob/main/", 1)[1]).exists(), target


def test_security_policy_names_a_real_reporting_channel() -> None:
    policy = (ROOT / "SECURITY.md").read_text("utf-8")
    assert "https://github.com/jsondrip/jsondrip/security/advisories/new" in policy
    assert ".invalid" not in policy
    assert "placeholder" not in policy
    assert (ROOT / "LICENSE").read_text("utf-8").startswith("MIT License\n")


def test_the_readme_shows_slots_as_python_prints_them() -> None:
    from jsondrip.sources import Slot

    readme = (ROOT / "README.md").read_text("utf-8")
    shown = re.findall(r"#.*?(Slot\([^)]*\))", readme)
    assert shown
    assert repr(Slot("content", 0)) in shown
    for text in shown:
        assert "=" in text, f"{text}: not how a Slot prints"
