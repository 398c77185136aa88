#!/usr/bin/env bash
# tests/fuzz/run.sh BUILD_DIR [SECONDS]: build the libFuzzer target over every
# IDL from_json in BUILD_DIR (a configured xlkit build directory) and run it
# for SECONDS (default 60) on the committed seed corpus. Exits non-zero on a
# finding (crash, sanitizer report, leak, failed check, or a slow input); the
# input that did it is left in BUILD_DIR/tests/fuzz/ as crash-*, leak-*, ...
#
# New inputs the fuzzer finds go to a temporary directory, never into the
# source tree; to keep one as a seed, copy it into tests/fuzz/corpus/.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [SECONDS]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
secs=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)

make -s -C "$build" -j"$(nproc)" tests/fuzz/xlkit-fuzz

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/new"

echo "fuzzing every from_json for ${secs}s (seeds: $here/corpus)"
"$build/tests/fuzz/xlkit-fuzz" \
  -max_total_time="$secs" \
  -timeout=10 \
  -rss_limit_mb=2048 \
  -max_len=4096 \
  -print_final_stats=1 \
  -artifact_prefix="$build/tests/fuzz/" \
  "$work/new" "$here/corpus"
