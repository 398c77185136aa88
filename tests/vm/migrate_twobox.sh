#!/usr/bin/env bash
# Live migration of a PVH guest between two Xen hosts (run in both boxes by
# twobox.sh), with xl or xlkit at each end:
#   tests/vm/twobox.sh --env MIG_SENDER_TOOL=xlkit --env MIG_RECEIVER_TOOL=xl \
#     --env XLKIT=$PWD/build/tools/xlkit/xlkit -- bash $PWD/tests/vm/migrate_twobox.sh [--back]
# MIG_SENDER_TOOL / MIG_RECEIVER_TOOL (xl or xlkit, default xl) is the tool
# each box runs, whichever way the guest goes: with --back the guest comes
# back, so "xlkit at the sender, xl at the receiver, --back" is xlkit -> xl
# and then xl -> xlkit. XLKIT: the xlkit CLI (its save helper is found next
# to it, XLKIT_SAVE_HELPER).
# The sender creates a small PVH guest (the box's "obedient" guest, counting
# "tick N" on its console every second), waits until it is up and the
# receiver listens, then runs
#   TOOL migrate -s '' mig "bash $TWOBOX connect"
# (with -s '' the host argument is the whole transport command). The receiver
# runs TOOL migrate-receive on that connection; then the guest must run there:
# not paused, its CPU time growing, its console counting on from where it was
# (the first tick seen there is not 1: it was not restarted), and it must
# answer a shutdown (the guest's init powers off when asked). Each side prints
# "ok"/"FAIL" lines and timings ("time: ..."), and exits 1 if a check failed.
# With --back the receiver, once it has seen the guest run, migrates it back
# the same way, and the sender checks it runs there again (and shuts it down).
#
# PVH only: Debian's Xen has no shadow paging, so a PV guest cannot be
# migrated live. tsc_mode = "native": see pvh_vm.sh. memory: 96 MiB; 64 does
# not hold the kernel (xc_dom_chk_alloc_pages: "segment kernel too large"),
# 80 panics at boot (out of memory in an initcall).
# Environment: MIG_MEMORY (MiB, default 96), MIG_SECONDS (bound on the
# migration and on the wait for the peer, default 600), MIG_BOOT_SECONDS
# (bound on the guest's boot, default 240; if it does not come up the sender
# shows its console and tells the receiver to stop waiting).
# One compound command: safe to edit while it runs.
{
set -uo pipefail
G=${XENBOX_GUESTS:-/opt/xenbox/guests}
MEM=${MIG_MEMORY:-96}
SECS=${MIG_SECONDS:-600}
NAME=mig
case ${TWOBOX_ROLE:-} in
  sender) TOOL=${MIG_SENDER_TOOL:-xl} ;;
  *) TOOL=${MIG_RECEIVER_TOOL:-xl} ;;
esac
case $TOOL in
  xl) T=xl ;;
  xlkit)
    T=${XLKIT:?XLKIT names the xlkit CLI}
    export XLKIT_SAVE_HELPER=${XLKIT_SAVE_HELPER:-$(cd "$(dirname "$T")/../.." && pwd)/tools/save-helper/xlkit-save-helper} ;;
  *) echo "FAIL the tool is '$TOOL', not xl or xlkit"; exit 1 ;;
esac
fails=0
ok() { echo "ok   $*"; }
bad() { fails=$((fails + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; return 1; fi; }
ms() { date +%s%3N; }
secs_since() { local d=$(( $(ms) - $1 )); printf '%d.%01d' $((d / 1000)) $(( (d % 1000) / 100 )); }
wait_for() { # wait_for SECONDS COMMAND...
  local end=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.5; done
}
state_of() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }
cpu_of() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $6 }'; }
xs_up() {
  local d; d=$(xl domid "$1" 2>/dev/null) || return 1
  [ "$(xenstore-read "/local/domain/$d/data/xenbox-state" 2>/dev/null)" = up ]
}
. "$(dirname "$0")/boot.sh"   # boot_up: a set-up boot's triple fault retried once
running() { local s; s=$(state_of "$1"); [ -n "$s" ] && case $s in *p*|*s*|*c*|*d*) return 1 ;; esac; }
# Its CPU time (xl list's, in tenths of a second) passes its first reading
# within 60 s: an idle guest ticking once a second can take several seconds
# to use a tenth, more on a busy host, so this waits for the growth rather
# than comparing two readings a fixed time apart.
cpu_above() { awk -v a="$2" -v b="$(cpu_of "$1")" 'BEGIN { exit !(b != "" && b + 0 > a + 0) }'; }
cpu_grows() {
  local a; a=$(cpu_of "$1")
  [ -n "$a" ] && wait_for 60 cpu_above "$1" "$a"; local rc=$?
  echo "     cpu time $a -> $(cpu_of "$1") s"
  return $rc
}
gone() { ! xl list "$1" >/dev/null 2>&1; }
# The guest's console here since it came shows two ticks, the first of them
# not "tick 1": the count went on. xenconsoled names its log after the name
# the domain has when it first sees it (NAME--incoming for a migrated one):
# every guest-NAME*.log, past the lines each had when console_mark ran.
console_mark() {
  : > /tmp/console.base
  local f
  for f in /var/log/xen/console/guest-"$NAME"*.log; do
    [ -f "$f" ] && echo "$(wc -l < "$f") $f" >> /tmp/console.base
  done
}
console_new() {
  local f n
  for f in /var/log/xen/console/guest-"$NAME"*.log; do
    [ -f "$f" ] || continue
    n=$(awk -v f="$f" '$2 == f { print $1 }' /tmp/console.base 2>/dev/null)
    tail -n +$(( ${n:-0} + 1 )) "$f"
  done
}
counts_on() {
  local t; t=$(console_new | tr -d '\r' | awk '/^tick [0-9]+$/ { print $2 }')
  [ "$(printf '%s\n' "$t" | grep -c .)" -ge 2 ] && [ "$(printf '%s\n' "$t" | head -1)" -gt 1 ]
}
show_console() { echo "--- console of $NAME"; tail -n 15 /var/log/xen/console/guest-"$NAME"*.log 2>/dev/null | tr -d '\r'; }
# show_death: what a failed migration leaves to read: the guest's console,
# its monitor's log (xlkit's or xl's) and the hypervisor's last words (a
# guest that died before the migration began shows there).
show_death() {
  show_console
  echo "--- monitor log of $NAME"; tail -n 15 /var/log/xlkit/"$NAME".log /var/log/xen/xl-"$NAME".log 2>/dev/null
  echo "--- xl dmesg"; xl dmesg 2>/dev/null | grep -v "HVM.*save:\|HVM.*restore:" | tail -n 25
}

finish() {
  [ "$fails" = 0 ] || { echo "$TWOBOX_ROLE: $fails check(s) failed"; exit 1; }
  echo "$TWOBOX_ROLE: all checks passed"; exit 0
}

[ -e /proc/xen/capabilities ] || { echo "FAIL not a Xen dom0: run through tests/vm/twobox.sh"; exit 1; }
BACK=0
[ "${1:-}" = --back ] && BACK=1

# migrate_out WHICH: the guest is up here and the peer serves: send it.
migrate_out() {
  local t rc
  t=$(ms)
  check "the peer listens ($1)" bash "$TWOBOX" wait-peer "$SECS"
  echo "time: waited $(secs_since "$t") s for the peer ($1)"
  t=$(ms)
  timeout "$SECS" $T migrate -s '' "$NAME" "bash $TWOBOX connect"
  rc=$?
  echo "time: $TOOL migrate ($1) took $(secs_since "$t") s (exit $rc, ${MEM} MiB guest)"
  [ "$rc" = 0 ] && ok "$TOOL migrate exits 0 ($1)" || {
    bad "$TOOL migrate exits 0 ($1; it exited $rc)"; show_death
    bash "$TWOBOX" abort-peer  # a receiver never reached need not wait out SECS
  }
  check "the guest is gone from here ($1)" wait_for 30 gone "$NAME"
}
# migrate_in WHICH: receive the guest on the first GO connection, then check
# it runs here.
migrate_in() {
  local t rc
  t=$(ms)
  console_mark
  bash "$TWOBOX" serve "$SECS" -- $T migrate-receive
  rc=$?
  echo "time: serve and $TOOL migrate-receive ($1) took $(secs_since "$t") s (exit $rc)"
  [ "$rc" = 0 ] && ok "$TOOL migrate-receive exits 0 ($1)" || bad "$TOOL migrate-receive exits 0 ($1; it exited $rc)"
  xl list
  [ "$rc" = 0 ] || finish   # nothing came (the peer gave up, or a timeout)
  check "the guest runs here under its own name, not paused ($1)" wait_for 30 running "$NAME"
  check "its CPU time grows ($1)" cpu_grows "$NAME"
  check "its console counts on here, not from 1 ($1)" wait_for 60 counts_on
}
# shut_down: the guest answers xl shutdown here, and its console says so.
shut_down() {
  local t
  t=$(ms)
  check "it answers $TOOL shutdown (powers itself off)" timeout 120 $T shutdown -w "$NAME"
  echo "time: shutdown took $(secs_since "$t") s"
  check "its console here shows it shutting down" \
    grep -q "obedient: shutting down" /var/log/xen/console/guest-"$NAME"*.log
  show_console
}

case ${TWOBOX_ROLE:-} in
  sender)
    cfg=/tmp/$NAME.cfg
    {
      printf 'name = "%s"\ntype = "pvh"\nkernel = "%s/vmlinux"\nramdisk = "%s/obedient.initrd"\n' "$NAME" "$G" "$G"
      printf 'extra = "console=hvc0 quiet mitigations=off rodata=off cryptomgr.notests xenbox.ticks=1"\n'
      # No XSAVE: see migrate_vm.sh.
      printf 'memory = %s\nvcpus = 1\ntsc_mode = "native"\ncpuid = "host,xsave=0"\n' "$MEM"
      printf 'on_poweroff = "destroy"\non_reboot = "restart"\non_crash = "destroy"\n'
    } > "$cfg"
    t=$(ms)
    check "$TOOL creates a ${MEM} MiB PVH guest" $T create -q "$cfg"
    if ! check "the guest is up (data/xenbox-state)" boot_up "${MIG_BOOT_SECONDS:-240}" "$NAME" xs_up $T create -q "$cfg"; then
      show_console; xl list
      bash "$TWOBOX" abort-peer   # the receiver need not wait for a GO
      finish
    fi
    echo "time: guest up $(secs_since "$t") s after create"
    migrate_out there
    xl list
    if [ "$BACK" = 1 ]; then migrate_in back; shut_down; fi
    ;;
  receiver)
    migrate_in there
    if [ "$BACK" = 1 ]; then migrate_out back; else shut_down; fi
    ;;
  *) echo "FAIL TWOBOX_ROLE is '${TWOBOX_ROLE:-}', not sender or receiver: run through tests/vm/twobox.sh"; exit 1 ;;
esac
finish
}
