#!/usr/bin/env bash
# CI: fuzz Parser, JsonlParser and TypedParser for a bounded time, starting
# from the committed corpus, and fail on any finding.
#
#   tests/fuzz/run_ci.sh                       # 60 s with python3
#   PYTHON=.venv/bin/python FUZZ_SECONDS=600 tests/fuzz/run_ci.sh
#
# The committed corpus is read, never written: new inputs go to a scratch
# directory. A finding (a failed check, an unexpected exception, a hang of
# more than 10 s on one input) stops the run with a non-zero status and leaves
# the input in $FUZZ_ARTIFACTS (printed, with its base64, in the log).
# Replay it with: $PYTHON tests/fuzz/fuzz_parsers.py <crash-file>
set -euo pipefail
cd "$(dirname "$0")"

python="${PYTHON:-python3}"
seconds="${FUZZ_SECONDS:-60}"
artifacts="${FUZZ_ARTIFACTS:-${TMPDIR:-/tmp}/jsondrip-fuzz-artifacts}"

if ! "$python" -c "import atheris" 2>/dev/null; then
    echo "atheris is not installed for $python (pip install atheris)" >&2
    exit 2
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"

echo "== fuzzing for ${seconds}s from $(ls corpus | wc -l) corpus inputs =="
set +e
"$python" fuzz_parsers.py \
    -max_total_time="$seconds" \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -max_len=8192 \
    -dict=json.dict \
    -print_final_stats=1 \
    -artifact_prefix="$artifacts/" \
    "$scratch" corpus 2>&1 | grep -v '^INFO: Instrumenting'
status="${PIPESTATUS[0]}"
set -e
if [ "$status" -ne 0 ]; then
    echo "fuzzing found a problem (status $status); inputs in $artifacts:" >&2
    ls -l "$artifacts" >&2
    exit 1
fi
echo "fuzzing passed: $(ls "$scratch" | wc -l) new inputs (not kept)"
