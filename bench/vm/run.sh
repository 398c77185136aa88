#!/usr/bin/env bash
# The in-VM part of `make bench-vm` (docs/performance-vm.md): run in dom0 of
# Xen in a box, as root. Creates one tiny guest, measures xlkit against real
# libxl (bench/vm/xlkit-vs-libxl lib) and the xlkit CLI against xl
# (bench/vm/xlkit-vs-libxl cli), a checkpoint and a PVH create + destroy
# through each library (xlkit-vs-libxl checkpoint, create), destroys the guest.
#
# usage: run.sh --builddir DIR [--out DIR] [--rounds R] [--batch-ms MS]
#               [--runs N] [--wait-up SECS]
#   --builddir  the configured build tree holding bench/vm/xlkit-vs-libxl
#               and tools/xlkit/xlkit (shared into the VM)
#   --out       where results-lib.json, results-cli.json and results.md go
#               (default: DIR/bench/vm)
#   --wait-up   wait up to SECS for the guest's init to report `up` (an idle
#               guest disturbs the measurements less than a booting one;
#               default 40; 0: do not wait)
# From the host: tools/hosts/xenbox/xenbox --share SRCDIR --share BUILDDIR --
#   SRCDIR/bench/vm/run.sh --builddir BUILDDIR
set -euo pipefail

builddir= out= rounds=7 batch_ms=250 runs=20 wait_up=40
while [ $# -gt 0 ]; do
  case $1 in
    --builddir) builddir=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --batch-ms) batch_ms=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --wait-up) wait_up=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$builddir" ] || { echo "run.sh: --builddir is required" >&2; exit 2; }
builddir=$(cd "$builddir" && pwd)
out=${out:-$builddir/bench/vm}
mkdir -p "$out"
bench=$builddir/bench/vm/xlkit-vs-libxl
# The CLI is the real binary (linked statically against the library: no
# libtool wrapper script, whose bash start-up would be counted against it);
# xlkit-vs-libxl finds the uninstalled library through LD_LIBRARY_PATH.
xlkit=$builddir/tools/xlkit/xlkit
export LD_LIBRARY_PATH=$builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
for f in "$bench" "$xlkit"; do
  [ -x "$f" ] || { echo "run.sh: $f missing: make -C $builddir bench-vm-build" >&2; exit 2; }
done
step() { printf '\n== %s\n' "$*"; }

step "guest: xl create /opt/xenbox/guests/obedient.cfg"
SECONDS=0
xl create -q /opt/xenbox/guests/obedient.cfg
domid=$(xl domid obedient)
cleanup() { xl destroy "$domid" 2>/dev/null || true; }
trap cleanup EXIT
echo "obedient is domain $domid (created in ${SECONDS} s)"
if [ "$wait_up" -gt 0 ]; then
  state=
  for _ in $(seq "$wait_up"); do
    state=$(xenstore-read "/local/domain/$domid/data/xenbox-state" 2>/dev/null || true)
    [ "$state" = up ] && break
    sleep 1
  done
  echo "guest state after ${SECONDS} s: ${state:-booting}"
fi
xl list

step "library: xlkit against libxl $(pkg-config --modversion xenlight 2>/dev/null || echo 4.17)"
"$bench" lib --domid "$domid" --rounds "$rounds" --batch-ms "$batch_ms" \
  --json "$out/results-lib.json" | tee "$out/results-lib.md"

step "library: a checkpoint (suspend + resume, as save -c) through each, no process start"
XLKIT_SAVE_HELPER=$builddir/tools/save-helper/xlkit-save-helper \
  "$bench" checkpoint --domid "$domid" --runs 7 --json "$out/results-checkpoint.json" \
  | tee "$out/results-checkpoint.md"

step "library: a PVH create and destroy through each, no process start"
"$bench" create --kernel /opt/xenbox/guests/vmlinux --ramdisk /opt/xenbox/guests/obedient.initrd \
  --runs 9 --json "$out/results-create-lib.json" | tee "$out/results-create-lib.md"

step "CLI: xlkit against xl ($runs runs each, medians)"
"$bench" cli --runs "$runs" --json "$out/results-cli.json" -- \
  list "$xlkit list" "xl list" \
  list-json "$xlkit --json list" "xl list -l" \
  pause "$xlkit pause $domid" "xl pause $domid" \
  unpause "$xlkit unpause $domid" "xl unpause $domid" \
  | sed "s|$xlkit|xlkit|g" | tee "$out/results-cli.md"
# the json names the binary by its path too
sed -i "s|$xlkit|xlkit|g" "$out/results-cli.json"

{
  echo "Run: $(date -u +%Y-%m-%dT%H:%M:%SZ), Xen $(xl info | awk -F': *' '/^xen_version/ {print $2}')" \
    "dom0 $(uname -r), $(nproc) vCPU; guest obedient (domain $domid)."
  echo
  cat "$out/results-lib.md"
  echo
  cat "$out/results-checkpoint.md"
  echo
  cat "$out/results-create-lib.md"
  echo
  cat "$out/results-cli.md"
} > "$out/results.md"
xl list
step "done: $out/results.md"
