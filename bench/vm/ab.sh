#!/usr/bin/env bash
# Two builds of xlkit side by side on real Xen (run in dom0 of Xen in a box,
# as root): `xlkit-vs-libxl lib` of build A, then of build B, alternately
# (A B B A ...), in one boot, against the same guest and the same libxl. For
# before/after comparisons of a change (docs/performance-vm.md): each run's
# ratios to libxl are measured side by side with libxl; comparing the runs
# of A and B shows the change.
#
# usage: ab.sh --a BUILDDIR --b BUILDDIR --out DIR [--pairs N] [--rounds R]
#              [--batch-ms MS] [--wait-up SECS]
# From the host:
#   tools/hosts/xenbox/xenbox --share SRC --share A --share B -- \
#     SRC/bench/vm/ab.sh --a A --b B --out B/bench/vm/ab
set -euo pipefail

a= b= out= pairs=2 rounds=5 batch_ms=200 wait_up=40
while [ $# -gt 0 ]; do
  case $1 in
    --a) a=$2; shift 2 ;;
    --b) b=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --batch-ms) batch_ms=$2; shift 2 ;;
    --wait-up) wait_up=$2; shift 2 ;;
    *) echo "ab.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$a" ] && [ -n "$b" ] && [ -n "$out" ] || { echo "ab.sh: --a, --b and --out are required" >&2; exit 2; }
mkdir -p "$out"
for d in "$a" "$b"; do
  [ -x "$d/bench/vm/xlkit-vs-libxl" ] || { echo "ab.sh: $d/bench/vm/xlkit-vs-libxl missing" >&2; exit 2; }
done

xl create -q /opt/xenbox/guests/obedient.cfg
domid=$(xl domid obedient)
trap 'xl destroy "$domid" 2>/dev/null || true' EXIT
for _ in $(seq "$wait_up"); do
  [ "$(xenstore-read "/local/domain/$domid/data/xenbox-state" 2>/dev/null || true)" = up ] && break
  sleep 1
done
echo "guest obedient is domain $domid; Xen $(xl info | awk -F': *' '/^xen_version/ {print $2}')"

run() {  # LABEL BUILDDIR INDEX
  echo "== $1 (run $3)"
  LD_LIBRARY_PATH=$2/.libs "$2/bench/vm/xlkit-vs-libxl" lib --domid "$domid" --rounds "$rounds" \
    --batch-ms "$batch_ms" --json "$out/$1-$3.json" | tee "$out/$1-$3.md"
}
for i in $(seq "$pairs"); do
  if [ $((i % 2)) -eq 1 ]; then run a "$a" "$i"; run b "$b" "$i"; else run b "$b" "$i"; run a "$a" "$i"; fi
done
echo "== done: $out"
