"""Build the optional C accelerator, ``jsondrip._speedups``.

Everything else is configured in pyproject.toml. The extension is optional:
when it cannot be built (no C compiler, no Python headers, a platform other
than CPython), the build prints a note and installs the pure-Python package,
which behaves identically and is only slower (``jsondrip.BACKEND`` then says
``"python"``).

Environment:
    JSONDRIP_NO_EXTENSION=1       do not even try to build the extension.
    JSONDRIP_REQUIRE_EXTENSION=1  fail the build if the extension fails (CI).
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import Any

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCES = sorted(str(p.as_posix()) for p in Path("src/jsondrip/_speedups").glob("*.c"))


class OptionalBuildExt(build_ext):
    """``build_ext`` that falls back to pure Python when compiling fails."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # any failure means "no extension"
            self._fallback(exc)

    def build_extension(self, ext: Any) -> None:
        # A CFLAGS variable replaces Python's own flags, -O3 included: keep
        # the extension optimised unless CFLAGS says otherwise.
        flags = os.environ.get("CFLAGS", "")
        if self.compiler.compiler_type == "unix" and "-O" not in flags:
            ext.extra_compile_args = [*ext.extra_compile_args, "-O3"]
        try:
            super().build_extension(ext)
        except Exception as exc:
            self._fallback(exc)

    def _fallback(self, exc: BaseException) -> None:
        if os.environ.get("JSONDRIP_REQUIRE_EXTENSION") == "1":
            raise exc
        banner = "=" * 74
        print(
            f"{banner}\n"
            "WARNING: the C accelerator jsondrip._speedups could not be built:\n"
            f"  {type(exc).__name__}: {exc}\n"
            "jsondrip is installed as pure Python instead: it behaves the same,\n"
            "only slower (jsondrip.BACKEND == 'python').\n"
            f"{banner}",
            file=sys.stderr,
        )


def extensions() -> list[Extension]:
    if os.environ.get("JSONDRIP_NO_EXTENSION") == "1":
        print("JSONDRIP_NO_EXTENSION=1: building jsondrip as pure Python", file=sys.stderr)
        return []
    if platform.python_implementation() != "CPython":
        print("not CPython: building jsondrip as pure Python", file=sys.stderr)
        return []
    return [
        Extension(
            "jsondrip._speedups",
            sources=SOURCES,
            depends=[str(p.as_posix()) for p in Path("src/jsondrip/_speedups").glob("*.h")],
        )
    ]


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
