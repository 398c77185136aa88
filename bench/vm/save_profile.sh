#!/usr/bin/env bash
# Where the toolstack's own CPU goes in a checkpoint (`save -c DOM
# /dev/null`), xl against the xlkit CLI, in dom0 of Xen in a box
# (docs/performance-vm.md, "Save and restore"): per-command CPU (user and
# system, the command and its children), floors that do no save at all (an
# empty program, shells, the tools doing nothing, `list`), the dynamic
# loader's statistics, a perf profile per process, library and symbol, and
# system calls (counts and a timeline). Prints text; exits 1 if a step
# fails.
#
# usage: save_profile.sh BUILD [RUNS]
#   (tools/hosts/xenbox/xenbox --share SRC --share BUILD --
#    bash SRC/bench/vm/save_profile.sh BUILD)
set -uo pipefail
B=$(cd "$1" && pwd)
RUNS=${2:-5}
G=${XLKIT_VM_GUESTS:-/opt/xenbox/guests}
X=$B/tools/xlkit/xlkit
export LD_LIBRARY_PATH=$B/.libs
export XLKIT_SAVE_HELPER=$B/tools/save-helper/xlkit-save-helper
work=$(mktemp -d -p "$B" saveprof.XXXXXX)
trap 'xl destroy prof-save >/dev/null 2>&1; rm -rf "$work"' EXIT
echo "load average: $(cat /proc/loadavg)"
echo -1 > /proc/sys/kernel/perf_event_paranoid 2>/dev/null
echo 0 > /proc/sys/kernel/kptr_restrict 2>/dev/null

# rus N CMD...: CMD run N times; the medians of its wall time and of the
# user and system CPU of it and every child it waited for. Its exit status
# is not checked when RUS_ANY_STATUS is set.
cat > "$work/rus.py" <<'PY'
import os, resource, statistics, subprocess, sys, time
n = int(sys.argv[1]); cmd = sys.argv[2:]
rows = []
for _ in range(n):
    b = resource.getrusage(resource.RUSAGE_CHILDREN); t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    w = time.monotonic() - t0; a = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0 and not os.environ.get("RUS_ANY_STATUS"):
        sys.exit("failed: %s: %s" % (" ".join(cmd), p.stderr.decode()[-500:]))
    rows.append((w, a.ru_utime - b.ru_utime, a.ru_stime - b.ru_stime))
    time.sleep(0.3)
med = [statistics.median(r[i] for r in rows) for i in range(3)]
print("%-58s wall %.3f  user %.3f  sys %.3f  cpu %.3f" % (" ".join(cmd)[-58:], med[0], med[1], med[2], med[1] + med[2]))
PY
rus() { python3 "$work/rus.py" "$@"; }
echo 'int main(void) { return 0; }' > "$work/nop.c"
cc -O2 -static -o "$work/nop-static" "$work/nop.c" || exit 1
cc -O2 -o "$work/nop-dynamic" "$work/nop.c" || exit 1

cat > "$work/prof-save.cfg" <<CFG
name = "prof-save"
type = "pv"
kernel = "$G/vmlinux"
ramdisk = "$G/obedient.initrd"
extra = "console=hvc0 quiet mitigations=off rodata=off cryptomgr.notests"
memory = 96
vcpus = 1
on_poweroff = "destroy"
CFG
xl create "$work/prof-save.cfg" >/dev/null || exit 1
end=$(( $(date +%s) + 300 ))
until [ "$(xenstore-read "/local/domain/$(xl domid prof-save)/data/xenbox-state" 2>/dev/null)" = up ]; do
  [ "$(date +%s)" -lt "$end" ] || { echo "guest not up"; exit 1; }
  sleep 0.5
done
sleep 2

echo "== medians of $RUNS (CPU: the command and every child it waited for)"
echo "-- process floors: an empty program, shells, the tools doing nothing, list"
rus "$RUNS" "$work/nop-static"
rus "$RUNS" "$work/nop-dynamic"
rus "$RUNS" /bin/sh -c true
rus "$RUNS" /bin/bash -c true
RUS_ANY_STATUS=1 rus "$RUNS" xl
rus "$RUNS" "$X" --version
rus "$RUNS" xl list
rus "$RUNS" "$X" list
echo "-- checkpoints, alternating"
for i in 1 2; do
  rus "$RUNS" xl save -c prof-save /dev/null
  rus "$RUNS" "$X" save -c prof-save /dev/null
done
echo "-- the dynamic loader's statistics (LD_DEBUG=statistics)"
LD_DEBUG=statistics xl 2>&1 >/dev/null | grep -E "relocations|total startup|objects" | head -8
LD_DEBUG=statistics "$X" --version 2>&1 >/dev/null | grep -E "relocations|total startup|objects" | head -8

echo "== perf: samples per process and library (cpu-clock, 1 kHz), one checkpoint each"
for t in xl "$X"; do
  n=$(basename "$t")
  perf record -q -e cpu-clock -F 1000 -o "$work/$n.data" -- "$t" save -c prof-save /dev/null >/dev/null 2>&1 \
    || echo "perf record of $n failed"
  echo "-- $n: by process and library"
  timeout 300 perf report -i "$work/$n.data" --stdio --no-inline --no-children --sort comm,dso 2>/dev/null \
    | grep '%' | head -25
  echo "-- $n: by process and symbol"
  timeout 300 perf report -i "$work/$n.data" --stdio --no-inline --no-children --sort comm,sym 2>/dev/null \
    | grep '%' | head -50
done

echo "== strace -f -c: system calls, one checkpoint each"
for t in xl "$X"; do
  n=$(basename "$t")
  strace -f -c -o "$work/$n.sc" "$t" save -c prof-save /dev/null >/dev/null 2>&1 || echo "strace of $n failed"
  echo "-- $n"; head -40 "$work/$n.sc"
done
for t in "$X" xl; do
  n=$(basename "$t")
  echo "== strace -f -r (timeline) of $n, one checkpoint"
  strace -f -r -o "$work/$n.tl" "$t" save -c prof-save /dev/null >/dev/null 2>&1
  grep -v -E 'mprotect|rt_sigaction|rt_sigprocmask|fstat|newfstatat|close\(|brk' "$work/$n.tl" | head -300
done
