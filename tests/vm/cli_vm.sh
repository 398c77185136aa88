#!/usr/bin/env bash
# The xlkit CLI on real Xen 4.17, in dom0 of Xen in a box (run by
# tests/vm/run.sh, which scripts/test starts through xenbox). Each check
# prints "ok" or "FAIL"; the script exits 1 if any failed.
# usage: cli_vm.sh XLKIT_BIN
set -uo pipefail
X=$1
G=${XLKIT_VM_GUESTS:-/opt/xenbox/guests}
work=$(mktemp -d)
fails=0 checks=0
trap 'rm -rf "$work"' EXIT

ok() { checks=$((checks + 1)); echo "ok   $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
xl_has() { xl list "$1" >/dev/null 2>&1; }
cfg() { # cfg NAME KIND [extra lines...]
  local name=$1 kind=$2; shift 2
  {
    printf 'name = "%s"\ntype = "pv"\nkernel = "%s/vmlinux"\nramdisk = "%s/%s.initrd"\n' "$name" "$G" "$G" "$kind"
    printf 'extra = "console=hvc0 quiet mitigations=off rodata=off cryptomgr.notests"\n'
    printf 'memory = 96\nvcpus = 1\non_poweroff = "destroy"\non_reboot = "restart"\non_crash = "destroy"\n'
    for l in "$@"; do printf '%s\n' "$l"; done
  } > "$work/$name.cfg"
  echo "$work/$name.cfg"
}
# Every wait below is for a state (read from the hypervisor, xenstore, a
# console or a file), bounded so that a broken build fails instead of hanging,
# and bounded generously: the guests boot under emulation, on machines that
# may be busy. XLKIT_VM_BOOT_SECONDS bounds a guest's boot.
BOOT_S=${XLKIT_VM_BOOT_SECONDS:-240}
# wait_for SECONDS COMMAND...: COMMAND succeeds within SECONDS (polled).
wait_for() {
  local end=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.2; done
}
# online_vcpus NAME: the hypervisor's count of the guest's online vCPUs
# (xl list's VCPUs column).
online_vcpus() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'; }
vcpus_online_are() { [ "$(online_vcpus "$1")" = "$2" ]; }
# guest_up NAME: its console (xenconsoled's pty) said "NAME-kind: up" within BOOT_S.
guest_up() {
  local d tty
  d=$(xl domid "$1" 2>/dev/null) || return 1
  tty=$(xenstore-read "/local/domain/$d/console/tty") || return 1
  python3 - "$tty" "$BOOT_S" <<'PY'
import os, select, sys, termios, time, tty
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
# TCSANOW: setraw's default (TCSAFLUSH) would throw away what the guest has
# printed already, "up" included when the guest was quicker than this check.
tty.setraw(fd, termios.TCSANOW)
end, seen = time.time() + float(sys.argv[2]), b""
while time.time() < end and b": up" not in seen:
    if select.select([fd], [], [], 0.2)[0]:
        try: seen += os.read(fd, 4096)
        except BlockingIOError: pass
sys.exit(0 if b": up" in seen else 1)
PY
}
gone() { ! xl_has "$1"; }
wait_gone() { wait_for 120 gone "$1"; }

[ -e /proc/xen/capabilities ] || { echo "FAIL not a Xen dom0: run through tools/hosts/xenbox/xenbox"; exit 1; }

echo "== create, list, list matches xl list"
"$X" events > "$work/events" 2>&1 &
events_pid=$!
check "create obedient guest" "$X" create "$(cfg cli-ob obedient 'vcpus = 2' 'memory = 104')"
check "create a second guest paused (-p)" "$X" create -p "$(cfg cli-paused obedient)"
# A PV guest brings its second vCPU online while it boots, and VCPUs counts
# online vCPUs (in both listings): compare once the guest is up (init runs
# after the kernel has brought every vCPU up) and the hypervisor says both are
# online. The paused guest's kernel has not run: its one vCPU stays the only one.
check "the two-vCPU guest is up" guest_up cli-ob
check "the hypervisor has both its vCPUs online" wait_for 60 vcpus_online_are cli-ob 2
"$X" list > "$work/ours" 2>&1
xl list > "$work/theirs" 2>&1
# Name, ID, Mem, VCPUs of every row; State and Time move on their own.
cols() { awk 'NR > 1 { print $1, $2, $3, $4 }' "$1" | sort; }
cols "$work/ours" > "$work/ours.cols"; cols "$work/theirs" > "$work/theirs.cols"
check "xlkit list matches xl list (name, id, mem, vcpus)" diff "$work/ours.cols" "$work/theirs.cols"
check "list shows 104 MiB and 2 vcpus" grep -Eq '^cli-ob +[0-9]+ +104 +2 ' "$work/ours"
check "the paused guest is listed paused" grep -Eq '^cli-paused +[0-9]+ +96 +1 +--p' "$work/ours"
"$X" --json list > "$work/json" 2>&1
check "--json list is JSON naming both guests" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); n={x["name"] for x in d}; sys.exit(0 if {"cli-ob","cli-paused"} <= n else 1)' "$work/json"

field() { awk -v k="$1" '$1 == k { print $3 }'; }
xl_total=$(xl info | field total_memory)
ours_total=$("$X" info | field total_memory)
check "info: total_memory $ours_total MiB as xl info's ($xl_total)" test -n "$ours_total" -a "$ours_total" = "$xl_total"

echo "== pause, unpause, wait"
check "pause" "$X" pause cli-ob
check "xl sees it paused" bash -c "xl list cli-ob | awk 'NR==2{print \$5}' | grep -q p"
check "unpause" "$X" unpause cli-ob
"$X" wait -t 1 cli-ob > "$work/wait" 2>&1; st=$?
check "wait -t 1 on a running guest fails (status $st) saying it is alive" \
  bash -c "[ $st -ne 0 ] && grep -q 'still alive' '$work/wait'"

echo "== shutdown -w of a guest that obeys: on_poweroff=destroy carried out, events seen"
check "shutdown -w cli-ob" "$X" shutdown -w cli-ob
check "cli-ob is gone" wait_gone cli-ob
# The monitor acts on the shutdown it saw, so its log is the record of
# on_poweroff being carried out. (An observer such as `xlkit events` may see
# only the death of a domain that was shut down and destroyed between two of
# its looks, as with libxl: its shutdown is checked on a preserved guest.)
mon_log=/var/log/xlkit/cli-ob.log
mon_destroyed() { grep -q 'has shut down (reason poweroff); on_poweroff = destroy' "$mon_log" && grep -q 'cli-ob) destroyed' "$mon_log"; }
check "the monitor saw the poweroff and carried out on_poweroff = destroy" wait_for 60 mon_destroyed
check "destroy the paused guest" "$X" destroy cli-paused
check "cli-paused is gone" wait_gone cli-paused
check "create a guest that powers itself off, on_poweroff = preserve" \
  "$X" create "$(cfg cli-po poweroff)" 'on_poweroff="preserve"'
# events_for NAME TYPE: `xlkit events` printed an event of TYPE for NAME's
# domid (one JSON object a line).
events_for() {
  local d; d=$(xl domid "$1" 2>/dev/null) || d=${po_domid:-x}
  python3 - "$work/events" "$d" "$2" "${3:-}" <<'PY'
import json, sys
path, domid, typ, reason = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
n = 0
for line in open(path, errors="replace"):
    try: e = json.loads(line)
    except ValueError: continue
    if str(e.get("domid")) == domid and e.get("type") == typ and (not reason or reason in line): n += 1
sys.exit(0 if n else 1)
PY
}
po_domid=$(xl domid cli-po 2>/dev/null || echo x)
check "events: domain_shutdown (poweroff) seen for the preserved guest" \
  wait_for "$BOOT_S" events_for cli-po domain_shutdown poweroff
check "the preserved guest stays, shut down" bash -c "xl list cli-po | awk 'NR==2{print \$5}' | grep -q s"
check "destroy the preserved guest" "$X" destroy cli-po
check "cli-po is gone" wait_gone cli-po
# `xlkit events` prints each event as it comes: wait for the three deaths.
deaths_seen() { [ "$(grep -c '"type":"domain_death"' "$work/events")" -ge 3 ]; }
wait_for 60 deaths_seen || true  # the check below says what was missing
kill -INT "$events_pid" 2>/dev/null; wait "$events_pid" 2>/dev/null
check "events: domain_death seen for the three guests" deaths_seen

echo "== a guest that ignores the request: shutdown -w -t gives GUEST_TIMEDOUT"
check "create stubborn guest" "$X" create "$(cfg cli-stub stubborn)"
# A request during the guest's boot makes Linux power off at once: wait for init.
check "the stubborn guest is up" guest_up cli-stub
"$X" --json shutdown -w -t 5 cli-stub > "$work/stub.json" 2> "$work/stub.err"; st=$?
check "shutdown -w -t 5 fails (status $st)" test "$st" -ne 0
check "it says the guest did not shut down" grep -q 'did not shut down within 5 s' "$work/stub.err"
check "--json names guest_timedout" grep -qi 'guest_timedout' "$work/stub.json"
check "the stubborn guest is still there" xl_has cli-stub
"$X" destroy cli-stub > "$work/destroy.out" 2>&1; st=$?
check "destroy of the running stubborn guest" test "$st" -eq 0
check "destroy reported its stages" grep -q '5/5' "$work/destroy.out"
check "cli-stub is gone" wait_gone cli-stub

echo "== bad configs: clear errors, nothing left behind"
names_now() { xl list | awk 'NR > 1 { print $1 }' | sort; }
# A failed or interrupted create destroys what it made and completes once Xen
# reports the domain dying; it leaves xl list when dom0's daemons have let go
# of it. A domain left behind never does: wait for the list, bounded.
list_as_before() { [ "$(names_now)" = "$before" ]; }
before=$(names_now)
vm_before=$(xenstore-list /vm 2>/dev/null | sort)
c=$(cfg cli-bad obedient)
sed -i "s|^kernel = .*|kernel = \"$work/no-such-kernel\"|" "$c"
"$X" create "$c" > /dev/null 2> "$work/e1"; st=$?
check "missing kernel: fails (status $st) naming the file" \
  bash -c "[ $st -ne 0 ] && grep -q 'no-such-kernel' '$work/e1'"
c=$(cfg cli-bad obedient 'vcpus = "lots"')
"$X" create "$c" > /dev/null 2> "$work/e2"; st=$?
check "bad value: fails (status $st) naming file, line and key" \
  bash -c "[ $st -ne 0 ] && grep -q 'cli-bad.cfg' '$work/e2' && grep -q 'vcpus' '$work/e2' && grep -Eq ':[0-9]+' '$work/e2'"
c=$(cfg cli-bad obedient 'memory = 1000000' 'maxmem = 1000000')
"$X" create "$c" > /dev/null 2> "$work/e3"; st=$?
check "more memory than the host: fails (status $st)" \
  bash -c "[ $st -ne 0 ] && grep -qi 'memory' '$work/e3'"
check "create a guest called cli-dup" "$X" create -p "$(cfg cli-dup obedient)"
c=$(cfg cli-dup obedient)
"$X" create "$c" > /dev/null 2> "$work/e4"; st=$?
check "duplicate name: fails (status $st) naming it" bash -c "[ $st -ne 0 ] && grep -q 'cli-dup' '$work/e4'"
check "destroy cli-dup" "$X" destroy cli-dup
check "no half-made domain left (xl list as before)" wait_for 60 list_as_before
check "no stray xenstore /vm entries" test "$vm_before" = "$(xenstore-list /vm 2>/dev/null | sort)"

echo "== Ctrl-C during create leaves nothing behind"
# A create takes well under a second here: hold its hypervisor create call for
# 8 s (the fault filter's delay, in the builder's thread), so that the
# interrupt lands while the create is in progress on any machine, then
# interrupt once it has said it is building.
building() { grep -q 'building the domain' "$work/int.out"; }
set -m  # else bash starts the background job with SIGINT ignored
XLKIT_FILTERS=fault=create:delay:8000 "$X" create "$(cfg cli-int obedient)" > "$work/int.out" 2>&1 &
pid=$!
set +m
check "the create being interrupted has started building" wait_for 60 building
kill -INT "$pid"
# Bounded: a create that ignored the interrupt must fail here, not hang the tier.
for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$pid" 2>/dev/null; then
  echo "xlkit create is still running 120 s after SIGINT:"
  grep -E 'State|SigPnd|ShdPnd|SigBlk|SigIgn|SigCgt' "/proc/$pid/status"
  for t in /proc/"$pid"/task/*; do echo "thread ${t##*/}: $(cat "$t/wchan" 2>/dev/null)"; done
  tr '\r' '\n' < "$work/int.out" | tail -5
  kill -KILL "$pid"
fi
wait "$pid"; st=$?
check "interrupted create exits 130 (status $st)" test "$st" -eq 130
check "no cli-int domain" bash -c "! xl list cli-int >/dev/null 2>&1"
# The monitor sees its pipe close and exits.
no_monitor() { ! pgrep -f 'create .*cli-in[t][.]cfg' >/dev/null; }
check "no monitor left for cli-int" wait_for 60 no_monitor
check "xl list as before" wait_for 60 list_as_before

echo "cli_vm: $((checks - fails))/$checks checks passed"
[ "$fails" -eq 0 ]
