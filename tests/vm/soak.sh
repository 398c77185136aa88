#!/usr/bin/env bash
# Runs the VM tier (tests/vm/run.sh in Xen in a box, as scripts/test's tier 2
# does) N times in a row on an existing build and prints how many passed and
# how long each took. With --hog K, K busy loops (one core each) run beside it
# for the whole soak: the proof that the tier waits for states, not for time.
#   usage: tests/vm/soak.sh [--hog K] [--keep-logs DIR] N [BUILD]
# BUILD defaults to $XLKIT_BUILD, else TOP/build (built by scripts/test).
# Exits 0 only if all N runs passed. Logs of failed runs are kept (the path
# is printed).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
hog=0 logs=
while [ $# -gt 0 ]; do
  case $1 in
    --hog) hog=$2; shift 2 ;;
    --keep-logs) logs=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] && [[ $1 =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [--hog K] [--keep-logs DIR] N [BUILD]" >&2; exit 2; }
[[ $hog =~ ^[0-9]+$ ]] || { echo "soak: --hog needs a number of busy loops, not '$hog'" >&2; exit 2; }
n=$1
build=${2:-${XLKIT_BUILD:-$top/build}}
[ -d "$build" ] || { echo "soak: no build folder $build: build it first (scripts/test)" >&2; exit 2; }
build=$(cd "$build" && pwd)
[ -x "$build/tests/xen-vm-tests" ] && [ -x "$build/tools/xlkit/xlkit" ] \
  || { echo "soak: $build has no tests/xen-vm-tests or tools/xlkit/xlkit: build it first (scripts/test)" >&2; exit 2; }
logs=${logs:-$(mktemp -d "${TMPDIR:-/tmp}/xlkit-soak.XXXXXX")}
mkdir -p "$logs"

hogs=()
stop_hogs() { [ ${#hogs[@]} -eq 0 ] || kill "${hogs[@]}" 2>/dev/null || true; }
trap stop_hogs EXIT
for _ in $(seq "$hog"); do
  ( while :; do :; done ) &
  hogs+=($!)
done

share=(--share "$top")
case "$build" in "$top"/*) ;; *) share+=(--share "$build") ;; esac
pass=0 times=()
for i in $(seq "$n"); do
  t0=$(date +%s)
  if "$top/tools/hosts/xenbox/xenbox" --quiet --timeout 2400 "${share[@]}" -- \
       "$top/tests/vm/run.sh" "$build" > "$logs/run$i.log" 2>&1; then
    pass=$((pass + 1)) verdict=pass
    rm -f "$logs/run$i.log"
  else
    verdict="FAIL (log: $logs/run$i.log)"
  fi
  t=$(( $(date +%s) - t0 ))
  times+=("$t")
  echo "soak: run $i/$n: $verdict in ${t}s (busy loops beside it: $hog)"
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "soak: $pass/$n passed; times $(echo "$sorted" | head -1)-$(echo "$sorted" | tail -1) s; busy loops: $hog; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$pass" -eq "$n" ]
