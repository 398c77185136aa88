#!/usr/bin/env bash
# xlkit migrate and xlkit migrate-receive on real Xen 4.17, in dom0 of Xen
# in a box (run by tests/vm/run.sh): a live migration of a small PVH guest
# to this same host, xlkit at both ends (with -s '' the host argument is the
# whole command that reaches the receiver, so no ssh is needed):
#   xlkit migrate -s '' mg-pvh "xlkit migrate-receive -e"
# then: exactly one domain with the name runs, not paused, its CPU time
# growing; xenconsoled serves its console; the source domain is gone. And a
# PV guest's live migration is refused (no shadow paging in this Xen) before
# anything is started or sent, and the guest runs on; with --non-live it
# moves (suspended first, then copied). Each check prints "ok" or "FAIL";
# the script exits 1 if any failed. Waits are bounded polls.
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
cfg() { # cfg NAME TYPE
  local name=$1 type=$2
  {
    printf 'name = "%s"\ntype = "%s"\nkernel = "%s/vmlinux"\nramdisk = "%s/obedient.initrd"\n' "$name" "$type" "$G" "$G"
    printf 'extra = "console=hvc0 quiet mitigations=off rodata=off cryptomgr.notests"\n'
    # PVH: 96 MiB holds the kernel; tsc_mode native: see pvh_vm.sh.
    printf 'memory = 96\nvcpus = 1\non_poweroff = "destroy"\non_reboot = "restart"\non_crash = "destroy"\n'
    [ "$type" = pvh ] && printf 'tsc_mode = "native"\n'
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

[ -e /proc/xen/capabilities ] || { echo "FAIL not a Xen dom0: run through tools/hosts/xenbox/xenbox"; exit 1; }

echo "== xlkit migrate of a PVH guest to this host"
"$X" create -e "$(cfg mg-pvh pvh)" >/dev/null 2>&1
check "guest mg-pvh is up" wait_for "$BOOT_S" up mg-pvh
src=$(xl domid mg-pvh 2>/dev/null)
t0=$(date +%s.%N)
timeout "$MIG_S" "$X" migrate -s '' mg-pvh "$X migrate-receive -e" > "$work/mig.out" 2> "$work/mig.err"
rc=$?
t1=$(date +%s.%N)
echo "     (xlkit migrate took $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s, exit $rc)"
[ "$rc" = 0 ] && ok "xlkit migrate exits 0" || { bad "xlkit migrate exits 0 (it exited $rc)"; tail -n 20 "$work/mig.err"; }
check "it says: Migration successful." grep -q "Migration successful." "$work/mig.err"
check "the source domain ($src) is gone" wait_for 30 domid_gone "$src"
check "exactly one domain is called mg-pvh" one_named mg-pvh
check "no temporary name is left (--incoming, --migratedaway)" no_temporary mg-pvh
dst=$(xl domid mg-pvh 2>/dev/null)
check "mg-pvh is a new domain ($src -> ${dst:-none})" test -n "$dst" -a "$dst" != "$src"
check "mg-pvh runs, not paused" running mg-pvh
check "its CPU time grows" cpu_grows mg-pvh
check "xenconsoled serves its console" wait_for 10 console_served mg-pvh
xl destroy mg-pvh >/dev/null 2>&1

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
check "mg-pv is not paused or suspended" running mg-pv
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

echo "migrate_vm: $checks checks, $fails failed"
[ "$fails" = 0 ]
