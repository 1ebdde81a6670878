"""CI check: the sdist and the wheel carry the LICENSE and the metadata PyPI shows.

Usage: python .ci/check_dist.py dist/jsondrip-X.tar.gz dist/jsondrip-X-py3-none-any.whl
"""

from __future__ import annotations

import email
import sys
import tarfile
import zipfile


def main(sdist: str, wheel: str) -> int:
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        pkg_info = next(
            name for name in names if name.count("/") == 1 and name.endswith("/PKG-INFO")
        )
        sdist_meta = archive.extractfile(pkg_info).read().decode()  # type: ignore[union-attr]
    with zipfile.ZipFile(wheel) as archive:
        wheel_names = archive.namelist()
        metadata = next(name for name in wheel_names if name.endswith(".dist-info/METADATA"))
        wheel_meta = archive.read(metadata).decode()
    problems = []
    if not any(name.endswith("/LICENSE") and name.count("/") == 1 for name in names):
        problems.append("sdist: no LICENSE")
    if not any(name.endswith(".dist-info/licenses/LICENSE") for name in wheel_names):
        problems.append("wheel: no LICENSE")
    for data in ("jsondrip/static/jsondrip.js", "jsondrip/static/demo.html"):
        if data not in wheel_names:
            problems.append(f"wheel: no {data} (jsondrip demo --web, the browser client)")
    for label, text in (("sdist", sdist_meta), ("wheel", wheel_meta)):
        meta = email.message_from_string(text)
        if meta["License-Expression"] != "MIT":
            problems.append(f"{label}: License-Expression {meta['License-Expression']!r}")
        if meta["Requires-Python"] != ">=3.10":
            problems.append(f"{label}: Requires-Python {meta['Requires-Python']!r}")
        urls = meta.get_all("Project-URL") or []
        if not any("https://github.com/jsondrip/jsondrip" in url for url in urls):
            problems.append(f"{label}: no Project-URL")
        versions = [c for c in meta.get_all("Classifier") or [] if c.count("::") == 2]
        # Every version from requires-python's floor to the newest CI tests, no gap.
        for minor in range(10, 14):
            if f"Programming Language :: Python :: 3.{minor}" not in versions:
                problems.append(f"{label}: no classifier for Python 3.{minor}")
        if "](benchmarks/" in text or "](SECURITY.md)" in text:
            problems.append(f"{label}: relative links in the long description")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
