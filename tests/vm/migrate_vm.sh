#!/usr/bin/env bash
# xlkit migrate and xlkit migrate-receive on real Xen 4.17, in dom0 of Xen
# in a box (run by tests/vm/run.sh). Live migrations of one small PVH guest
# to this same host (with -s '' the host argument is the whole command that
# reaches the receiver, so no ssh is needed):
#   xlkit -> xlkit, xlkit -> xl, xl -> xlkit
#     (xlkit migrate -s '' mg-pvh "xl migrate-receive -e", and so on)
# after each: exactly one domain with the name runs, not paused, its CPU
# time growing; xenconsoled serves its console; no --incoming or
# --migratedaway domain is left; the source domain is gone. Then failures,
# each timed by a state (the precopy's progress lines, the renames), never
# by a sleep: the receiver killed mid-stream, and Ctrl-C of the sender
# during the precopy, during the final copy (a relay holds the stream once
# the guest is asked to suspend) and after the stream while it waits for
# Ready (the source runs on, nothing is left at the destination); the sender killed after the hand-over (the destination
# runs, the source stays suspended as mg-pvh--migratedaway until it is
# destroyed). Then -p (the guest left paused at the destination), a guest
# with a disk and a vif (both connected at the destination, gone at the
# source), and a PV guest: its live migration is refused (no shadow paging
# in this Xen) before anything is started or sent; with --non-live it moves
# (suspended first, then copied). Each check prints "ok" or "FAIL"; the
# script exits 1 if any failed. Waits are bounded polls.
# usage: migrate_vm.sh XLKIT_BIN
set -uo pipefail
X=$1
G=${XLKIT_VM_GUESTS:-/opt/xenbox/guests}
export XLKIT_SAVE_HELPER=${XLKIT_SAVE_HELPER:-$(cd "$(dirname "$X")/../.." && pwd)/tools/save-helper/xlkit-save-helper}
work=$(mktemp -d)
fails=0 checks=0
trap 'rm -rf "$work"' EXIT

ok() { checks=$((checks + 1)); echo "ok   $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
BOOT_S=${XLKIT_VM_BOOT_SECONDS:-240}
MIG_S=${XLKIT_VM_MIGRATE_SECONDS:-300}
wait_for() {
  local end=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.2; done
}
cfg() { # cfg NAME TYPE [extra lines...]
  local name=$1 type=$2; shift 2
  {
    printf 'name = "%s"\ntype = "%s"\nkernel = "%s/vmlinux"\nramdisk = "%s/obedient.initrd"\n' "$name" "$type" "$G" "$G"
    printf 'extra = "console=hvc0 quiet mitigations=off rodata=off cryptomgr.notests"\n'
    # PVH: 96 MiB holds the kernel; tsc_mode native: see pvh_vm.sh. No
    # XSAVE: under QEMU's emulated SVM a guest's init can read a stale XCR0,
    # take an AVX path and die of SIGILL, and the guest with it (docs/ops.md).
    printf 'memory = 96\nvcpus = 1\non_poweroff = "destroy"\non_reboot = "restart"\non_crash = "destroy"\n'
    [ "$type" = pvh ] && printf 'tsc_mode = "native"\ncpuid = "host,xsave=0"\n'
    for l in "$@"; do printf '%s\n' "$l"; done
  } > "$work/$name.cfg"
  echo "$work/$name.cfg"
}
up() {
  local d; d=$(xl domid "$1" 2>/dev/null) || return 1
  [ "$(xenstore-read "/local/domain/$d/data/xenbox-state" 2>/dev/null)" = up ]
}
state() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }
running() { local s; s=$(state "$1"); [ -n "$s" ] && case $s in *p*|*s*|*c*|*d*) return 1 ;; *) return 0 ;; esac; }
count_named() { xl list | awk -v n="$1" 'NR > 1 && $1 == n' | wc -l; }
one_named() { [ "$(count_named "$1")" = 1 ]; }
no_temporary() { [ "$(count_named "$1--incoming")" = 0 ] && [ "$(count_named "$1--migratedaway")" = 0 ]; }
domid_gone() { ! xl list | awk 'NR > 1 { print $2 }' | grep -qx "$1"; }
cpu_of() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $6 }'; }
cpu_above() { awk -v a="$2" -v b="$(cpu_of "$1")" 'BEGIN { exit !(b + 0 > a + 0) }'; }
cpu_grows() { local a; a=$(cpu_of "$1"); [ -n "$a" ] && wait_for 20 cpu_above "$1" "$a"; }
# xenconsoled serves the domain's console: it wrote the pty it serves it on.
console_served() {
  local d; d=$(xl domid "$1" 2>/dev/null) || return 1
  [ -n "$(xenstore-read "/local/domain/$d/console/tty" 2>/dev/null)" ]
}
ndomains() { xl list | awk 'NR > 1' | wc -l; }
ndomains_is() { [ "$(ndomains)" = "$1" ]; }
alone_named() { one_named "$1" && no_temporary "$1"; }
paused() { case $(state "$1") in *p*) return 0 ;; *) return 1 ;; esac; }
stopped() { case $(state "$1") in *s*|*p*) return 0 ;; *) return 1 ;; esac; }
xlkit_lists() { "$X" list | awk -v n="$1" '$1 == n { f = 1 } END { exit !f }'; }
secs_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
# The precopy is under way: the sender's progress (not a terminal: one line
# per report) shows memory pages sent.
precopy_begun() { grep -Eq 'memory \([1-9][0-9]*/' "$1"; }
# A background child has exited (a zombie until waited for).
exited() { [ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
alive() { ! exited "$1"; }
# finish PID: waits (bounded) for a background migration; its status in $rc.
finish() {
  if ! wait_for "$MIG_S" exited "$1"; then
    bad "the migration (pid $1) ended within $MIG_S s"; kill -9 "$1" 2>/dev/null
  fi
  wait "$1"; rc=$?
}
# moved NAME SRC_DOMID: the checks after NAME moved away from domain SRC.
moved() {
  local n=$1 src=$2 dst
  check "the source domain ($src) is gone" wait_for 30 domid_gone "$src"
  check "exactly one domain is called $n" one_named "$n"
  check "no temporary name is left (--incoming, --migratedaway)" no_temporary "$n"
  dst=$(xl domid "$n" 2>/dev/null)
  check "$n is a new domain ($src -> ${dst:-none})" test -n "$dst" -a "$dst" != "$src"
  check "$n runs, not paused" wait_for 30 running "$n"
  check "its CPU time grows" cpu_grows "$n"
  check "xenconsoled serves its console" wait_for 10 console_served "$n"
}
# migration LABEL LOG CMD...: runs one migration that must succeed.
migration() {
  local label=$1 log=$2; shift 2
  local t0; t0=$(date +%s.%N)
  timeout "$MIG_S" "$@" > /dev/null 2> "$log"
  rc=$?
  echo "     ($label took $(secs_since "$t0") s, exit $rc)"
  [ "$rc" = 0 ] && ok "$label exits 0" || { bad "$label exits 0 (it exited $rc)"; tail -n 20 "$log"; }
  check "it says: Migration successful." grep -q "Migration successful." "$log"
}

# interrupted PID LOG [CMD...]: Ctrl-C (SIGINT) to the sending xlkit
# migrate PID, whose stderr is LOG, before the hand-over; then CMD (to end
# what still holds the receiver's stream), and the checks that the source
# ($src) runs on here and nothing is left at the destination ($before
# domains, as before the migration).
interrupted() {
  local pid=$1 log=$2; shift 2
  kill -INT "$pid"
  finish "$pid"
  check "xlkit migrate exits 130, as save does on Ctrl-C (it exited $rc)" test "$rc" = 130
  [ "$rc" = 130 ] || tail -n 20 "$log"
  check "it says the guest runs on here" grep -q "runs on here" "$log"
  [ $# -eq 0 ] || "$@"
  check "mg-pvh is still the source domain ($src)" test "$(xl domid mg-pvh 2>/dev/null)" = "$src"
  check "mg-pvh runs, not paused or suspended" wait_for 30 running mg-pvh
  check "its CPU time grows" cpu_grows mg-pvh
  check "nothing is left at the destination" wait_for 60 ndomains_is "$before"
  check "exactly one domain is called mg-pvh, no temporary name" alone_named mg-pvh
}
stop_relay() { kill "$(cat "$work/relay.pid" 2>/dev/null)" 2>/dev/null; }  # the receiver's stream ends

. "$(dirname "$0")/boot.sh"   # boot_up: a set-up boot's triple fault retried once

[ -e /proc/xen/capabilities ] || { echo "FAIL not a Xen dom0: run through tools/hosts/xenbox/xenbox"; exit 1; }
script_t0=$(date +%s.%N)

echo "== xlkit migrate of a PVH guest to this host, xlkit at both ends"
c=$(cfg mg-pvh pvh)
"$X" create -e "$c" >/dev/null 2>&1
check "guest mg-pvh is up" boot_up "$BOOT_S" mg-pvh up "$X" create -e "$c"
src=$(xl domid mg-pvh 2>/dev/null)
migration "xlkit migrate" "$work/mig.err" "$X" migrate -s '' mg-pvh "$X migrate-receive -e"
moved mg-pvh "$src"

echo "== xlkit migrate to xl migrate-receive"
src=$(xl domid mg-pvh 2>/dev/null)
migration "xlkit migrate to xl" "$work/to-xl.err" "$X" migrate -s '' mg-pvh "xl migrate-receive -e"
moved mg-pvh "$src"

echo "== xl migrate to xlkit migrate-receive"
src=$(xl domid mg-pvh 2>/dev/null)
migration "xl migrate to xlkit" "$work/from-xl.err" xl migrate -s '' mg-pvh "$X migrate-receive -e"
moved mg-pvh "$src"

echo "== the receiver killed mid-stream: the source runs on, nothing is left at the destination"
src=$(xl domid mg-pvh 2>/dev/null)
before=$(ndomains)
rm -f "$work/recv.pid"
"$X" migrate -s '' mg-pvh "echo \$\$ > $work/recv.pid; exec $X migrate-receive -e" > /dev/null 2> "$work/rk.err" &
mpid=$!
check "the precopy has begun" wait_for "$MIG_S" precopy_begun "$work/rk.err"
check "the receiver is killed (SIGTERM) during it" kill "$(cat "$work/recv.pid" 2>/dev/null)"
finish "$mpid"
check "xlkit migrate exits 1 (it exited $rc)" test "$rc" = 1
[ "$rc" = 1 ] || tail -n 20 "$work/rk.err"
check "mg-pvh is still the source domain ($src)" test "$(xl domid mg-pvh 2>/dev/null)" = "$src"
check "mg-pvh runs, not paused or suspended" wait_for 30 running mg-pvh
check "its CPU time grows" cpu_grows mg-pvh
check "nothing is left at the destination" wait_for 60 ndomains_is "$before"
check "exactly one domain is called mg-pvh, no temporary name" alone_named mg-pvh

echo "== Ctrl-C of xlkit migrate during the precopy: the source runs on, nothing is left at the destination"
before=$(ndomains)
"$X" migrate -s '' mg-pvh "$X migrate-receive -e" > /dev/null 2> "$work/int.err" &
mpid=$!
check "the precopy has begun" wait_for "$MIG_S" precopy_begun "$work/int.err"
interrupted "$mpid" "$work/int.err"

echo "== Ctrl-C of xlkit migrate during the final copy: the source runs on, nothing is left at the destination"
# A relay between the sender and the receiver passes the stream on until the
# sender's progress asks the guest to suspend (the precopy is over: what
# follows is the final copy), then holds it: it reads no more, and its
# input pipe is shrunk to one page, so the helper blocks a page into the
# last pages and records (a PVH guest's vCPU and platform state alone are
# more). SIGINT lands once the source is suspended, the sender not yet in
# its handshake.
cat > "$work/relay.py" <<'PY'
import fcntl, os, sys, time
log, held, pidfile = sys.argv[1:4]
open(pidfile, "w").write(str(os.getpid()))
try:
    fcntl.fcntl(0, 1031, 4096)  # F_SETPIPE_SZ
except OSError:
    pass
def suspending():
    try:
        with open(log, "rb") as f:
            return b"suspend (0/1)" in f.read()
    except OSError:
        return False
while True:
    if suspending():
        open(held, "w").close()
        while True:
            time.sleep(60)  # held until killed
    b = os.read(0, 4096)
    if not b:
        break
    while b:
        b = b[os.write(1, b):]
PY
src=$(xl domid mg-pvh 2>/dev/null)
before=$(ndomains)
rm -f "$work/held" "$work/relay.pid"
"$X" migrate -s '' mg-pvh "python3 $work/relay.py $work/fin.err $work/held $work/relay.pid | $X migrate-receive -e" \
  > /dev/null 2> "$work/fin.err" &
mpid=$!
check "the precopy ends and the relay holds the final copy" wait_for "$MIG_S" test -e "$work/held"
check "the source is suspended for it" wait_for 60 stopped mg-pvh
check "the sender is still in the copy, not in its handshake" bash -c "! grep -q handshake '$work/fin.err'"
interrupted "$mpid" "$work/fin.err" stop_relay

echo "== Ctrl-C of xlkit migrate after the stream, before the hand-over: the source runs on, nothing is left at the destination"
# The receiver's banner (54 bytes) reaches the sender; its Ready message
# after the stream is read by `cat` and never passed on: the sender waits
# for Ready, its source suspended and renamed away, and is interrupted there.
src=$(xl domid mg-pvh 2>/dev/null)
before=$(ndomains)
"$X" migrate -s '' mg-pvh "$X migrate-receive -e | { dd bs=1 count=54 status=none; cat > /dev/null; }" \
  > /dev/null 2> "$work/rdy.err" &
mpid=$!
check "the stream is sent, the sender waits for Ready" wait_for "$MIG_S" grep -q 'handshake (0/2)' "$work/rdy.err"
check "the source is renamed away meanwhile" wait_for 30 one_named mg-pvh--migratedaway
interrupted "$mpid" "$work/rdy.err"

echo "== the sender killed after the hand-over: the destination runs, the source never runs again"
# The receiver's answers pass through `dd bs=1 count=88` (its banner, 54
# bytes, and its Ready message, 34, each passed on as it comes: head would
# hold them in its stdio buffer): the report after the hand-over is lost,
# and `cat` holds the connection open, so the sender waits for a report
# that never comes: the moment after the hand-over, held, for the kill.
src=$(xl domid mg-pvh 2>/dev/null)
"$X" migrate -s '' mg-pvh "{ $X migrate-receive -e | dd bs=1 count=88 status=none; cat > /dev/null; }" > /dev/null 2> "$work/sk.err" &
mpid=$!
handed_over() { [ "$(count_named mg-pvh--migratedaway)" = 1 ] && one_named mg-pvh && [ "$(xl domid mg-pvh 2>/dev/null)" != "$src" ] && running mg-pvh; }
what="the hand-over happened (mg-pvh runs at the destination, the source is mg-pvh--migratedaway)"
if wait_for "$MIG_S" handed_over; then ok "$what"; else bad "$what"; tail -n 20 "$work/sk.err"; fi
check "the sender is still waiting for the report" alive "$mpid"
kill -KILL "$mpid"
finish "$mpid"
check "the sender was killed (status $rc)" test "$rc" = 137
dst=$(xl domid mg-pvh 2>/dev/null)
check "mg-pvh at the destination ($src -> ${dst:-none}) runs" wait_for 30 running mg-pvh
check "its CPU time grows" cpu_grows mg-pvh
check "xlkit list shows the source as mg-pvh--migratedaway" xlkit_lists mg-pvh--migratedaway
check "mg-pvh--migratedaway is the source, domain $src" test "$(xl domid mg-pvh--migratedaway 2>/dev/null)" = "$src"
check "it is suspended or paused, not running" stopped mg-pvh--migratedaway
away_cpu=$(cpu_of mg-pvh--migratedaway)
dst_cpu=$(cpu_of mg-pvh)
# While the destination runs on for a while (a state: its CPU time 0.3 s
# on), the source's CPU time stays the same.
check "the destination runs 0.3 s more of CPU time" wait_for 120 cpu_above mg-pvh "$(awk -v c="$dst_cpu" 'BEGIN { print c + 0.3 }')"
check "meanwhile the source's CPU time stays at ${away_cpu:-?} s" test -n "$away_cpu" -a "$(cpu_of mg-pvh--migratedaway)" = "$away_cpu"
check "xlkit destroy mg-pvh--migratedaway" "$X" destroy mg-pvh--migratedaway
check "the source domain is gone" wait_for 30 domid_gone "$src"
check "exactly one domain is called mg-pvh, running" alone_named mg-pvh
check "mg-pvh runs" wait_for 30 running mg-pvh

echo "== -p: the guest is left paused at the destination"
# -p goes to the receiver in the ssh rune; a stand-in for ssh runs it here.
printf '#!/bin/sh\n# fake ssh: HOST xlkit ARGS... -> xlkit ARGS...\necho "$*" > %s/ssh.args\nshift 2\nexec %s "$@"\n' "$work" "$X" > "$work/fakessh"
chmod +x "$work/fakessh"
src=$(xl domid mg-pvh 2>/dev/null)
migration "xlkit migrate -p" "$work/p.err" "$X" migrate -p -e -s "$work/fakessh" mg-pvh localhost
check "the rune ran 'localhost xlkit migrate-receive -e -p'" grep -qx "localhost xlkit migrate-receive -e -p" "$work/ssh.args"
check "the source domain ($src) is gone" wait_for 30 domid_gone "$src"
check "exactly one domain is called mg-pvh" one_named mg-pvh
check "mg-pvh is paused" paused mg-pvh
check "xlkit unpause mg-pvh" "$X" unpause mg-pvh
check "mg-pvh runs" wait_for 30 running mg-pvh
check "its CPU time grows" cpu_grows mg-pvh
xl destroy mg-pvh >/dev/null 2>&1

echo "== a guest with a disk and a vif keeps both"
truncate -s 16M "$work/d.img"
c=$(cfg mg-dev pvh "disk = [ '$work/d.img,raw,xvda,rw' ]" "vif = [ 'mac=00:16:3e:5a:0f:01,bridge=xenbr0' ]")
"$X" create -e "$c" > "$work/dev.out" 2>&1 || cat "$work/dev.out"
check "guest mg-dev is up" boot_up "$BOOT_S" mg-dev up "$X" create -e "$c"
be_state() { xenstore-read "/local/domain/0/backend/$1/$2/$3/state" 2>/dev/null; }
connected() { [ "$(be_state "$1" "$2" "$3")" = 4 ]; }
no_backends() { ! xenstore-exists "/local/domain/0/backend/vbd/$1" 2>/dev/null && ! xenstore-exists "/local/domain/0/backend/vif/$1" 2>/dev/null; }
src=$(xl domid mg-dev 2>/dev/null)
both_connected() { connected vbd "$1" 51712 && connected vif "$1" 0; }
check "its vbd and vif backends are connected (state 4)" wait_for 60 both_connected "$src"
migration "xlkit migrate of mg-dev" "$work/dev.err" "$X" migrate -s '' mg-dev "$X migrate-receive -e"
moved mg-dev "$src"
dst=$(xl domid mg-dev 2>/dev/null)
[ "$dst" = "$src" ] && dst=x  # not moved: no destination
check "the destination's vbd backend is connected (state 4)" wait_for 60 connected vbd "${dst:-x}" 51712
check "the destination's vif backend is connected (state 4)" wait_for 60 connected vif "${dst:-x}" 0
check "the vif is on xenbr0" bash -c "ip -o link show master xenbr0 | grep -q 'vif${dst:-x}\.0'"
check "the source's backends are gone" wait_for 60 no_backends "$src"
xl destroy mg-dev >/dev/null 2>&1

echo "== a PV guest's live migration is refused before anything is sent"
"$X" create -e "$(cfg mg-pv pv)" >/dev/null 2>&1
check "guest mg-pv is up" wait_for "$BOOT_S" up mg-pv
pv=$(xl domid mg-pv 2>/dev/null)
timeout 60 "$X" migrate -s '' mg-pv "touch $work/started; $X migrate-receive -e" > /dev/null 2> "$work/pv.err"
rc=$?
check "xlkit migrate of a PV guest exits 1" test "$rc" = 1
check "the error names shadow paging" grep -q "shadow paging" "$work/pv.err"
check "no receiver was started" test ! -e "$work/started"
check "mg-pv runs on, the same domain" test "$(xl domid mg-pv 2>/dev/null)" = "$pv"
check "mg-pv is not paused or suspended" wait_for 30 running mg-pv
check "exactly one domain is called mg-pv" one_named mg-pv

echo "== the same PV guest moves with --non-live (suspended first, then copied)"
timeout "$MIG_S" "$X" migrate --non-live -s '' mg-pv "$X migrate-receive -e" > /dev/null 2> "$work/pvn.err"
rc=$?
check "xlkit migrate --non-live of mg-pv exits 0" test "$rc" = 0
[ "$rc" = 0 ] || tail -20 "$work/pvn.err"
check "exactly one domain is called mg-pv" one_named mg-pv
check "mg-pv is a new domain" test "$(xl domid mg-pv 2>/dev/null)" != "$pv"
check "mg-pv runs (not paused)" wait_for 30 running mg-pv
check "no temporary name is left" no_temporary mg-pv
check "mg-pv's CPU time grows: its kernel runs on" cpu_grows mg-pv
check "the source domain is gone" wait_for 60 domid_gone "$pv"
xl destroy mg-pv >/dev/null 2>&1

echo "migrate_vm: $checks checks, $fails failed, in $(secs_since "$script_t0") s"
[ "$fails" = 0 ]
