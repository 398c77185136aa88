#!/usr/bin/env bash
# xlkit save on real Xen 4.17, in dom0 of Xen in a box (run by
# tests/vm/run.sh): files xl restores, -c, Ctrl-C, bad requests. Each check
# prints "ok" or "FAIL"; the script exits 1 if any failed.
# usage: save_vm.sh XLKIT_BIN
set -uo pipefail
X=$1
G=${XLKIT_VM_GUESTS:-/opt/xenbox/guests}
# The helper the library runs xc_domain_save in, from the same build
# (XLKIT_BIN is BUILD/tools/xlkit/xlkit).
export XLKIT_SAVE_HELPER=${XLKIT_SAVE_HELPER:-$(cd "$(dirname "$X")/../.." && pwd)/tools/save-helper/xlkit-save-helper}
work=$(mktemp -d)
# Save files (96 MiB each) go next to the build, on the host's disk: dom0's
# / and /tmp are its memory (320 MiB). Each is removed once used.
saves=$(mktemp -d -p "$(cd "$(dirname "$X")/../.." && pwd)" vm-saves.XXXXXX 2>/dev/null) || saves=$work
fails=0 checks=0
trap 'rm -rf "$work" "$saves"' EXIT

ok() { checks=$((checks + 1)); echo "ok   $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
xl_has() { xl list "$1" >/dev/null 2>&1; }
cfg() { # cfg NAME KIND
  local name=$1 kind=$2
  {
    printf 'name = "%s"\ntype = "pv"\nkernel = "%s/vmlinux"\nramdisk = "%s/%s.initrd"\n' "$name" "$G" "$G" "$kind"
    printf 'extra = "console=hvc0 quiet mitigations=off rodata=off cryptomgr.notests"\n'
    printf 'memory = 96\nvcpus = 1\non_poweroff = "destroy"\non_reboot = "restart"\non_crash = "destroy"\n'
  } > "$work/$name.cfg"
  echo "$work/$name.cfg"
}
BOOT_S=${XLKIT_VM_BOOT_SECONDS:-240}
wait_for() {
  local end=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.2; done
}
# up NAME: the guest wrote data/xenbox-state = up (its init ran).
up() {
  local d; d=$(xl domid "$1" 2>/dev/null) || return 1
  [ "$(xenstore-read "/local/domain/$d/data/xenbox-state" 2>/dev/null)" = up ]
}
gone() { ! xl_has "$1"; }
state() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }
running() { case $(state "$1") in *r*|*b*) ! paused "$1" ;; *) return 1 ;; esac; }
paused() { case $(state "$1") in *p*) return 0 ;; *) return 1 ;; esac; }
# answers NAME: its kernel acknowledges a shutdown request and shuts the
# domain down (then a monitor, xl's or xlkit's, may destroy it): it runs.
down_or_gone() { gone "$1" || case $(state "$1") in *s*) return 0 ;; *) return 1 ;; esac; }
answers() { xl shutdown "$1" >/dev/null 2>&1 && wait_for 120 down_or_gone "$1"; }
no_helper() { ! ps -eo comm= | grep -q "^xlkit-save-help"; }
bigger_than() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt "$2" ]; }

[ -e /proc/xen/capabilities ] || { echo "FAIL not a Xen dom0: run through tools/hosts/xenbox/xenbox"; exit 1; }

echo "== xlkit save, xl restore"
"$X" create "$(cfg sv-a obedient)" >/dev/null 2>&1
check "guest sv-a is up" wait_for "$BOOT_S" up sv-a
t0=$(date +%s.%N)
check "xlkit save sv-a" "$X" save sv-a "$saves/a.save"
t1=$(date +%s.%N)
echo "     (xlkit save took $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s)"
check "sv-a is gone after the save" gone sv-a
check "the file starts with xl's header" bash -c "head -c 27 '$saves/a.save' | grep -q 'Xen saved domain, xl format'"
check "xl restore reads xlkit's file" xl restore "$saves/a.save"
check "sv-a runs again under its name" running sv-a
check "sv-a's kernel runs on: it answers a shutdown" answers sv-a
rm -f "$saves/a.save"

echo "== save -c and -p leave the guest"
"$X" create "$(cfg sv-c obedient)" >/dev/null 2>&1
check "guest sv-c is up" wait_for "$BOOT_S" up sv-c
check "xlkit save -c sv-c" "$X" save -c sv-c "$saves/c.save"
check "sv-c runs on after save -c" running sv-c
rm -f "$saves/c.save"
check "xlkit save -p sv-c" "$X" save -p sv-c "$saves/p.save"
check "sv-c is paused after save -p" paused sv-c
rm -f "$saves/p.save"
xl unpause sv-c >/dev/null 2>&1
check "sv-c's kernel runs on: it answers a shutdown" answers sv-c

echo "== Ctrl-C during the memory copy"
"$X" create "$(cfg sv-i obedient)" >/dev/null 2>&1
check "guest sv-i is up" wait_for "$BOOT_S" up sv-i
"$X" save sv-i "$saves/i.save" > "$work/i.out" 2>&1 &
pid=$!
if wait_for 60 bigger_than "$saves/i.save" 4194304; then
  kill -INT "$pid"
  wait "$pid"; st=$?
  check "the interrupted save fails (status $st)" test "$st" -ne 0
  check "it says so" grep -q interrupted "$work/i.out"
  check "the half-written file is removed" test ! -e "$saves/i.save"
  check "no save helper is left" wait_for 10 no_helper
  check "sv-i runs on" running sv-i
  check "sv-i's kernel runs on: it answers a shutdown" answers sv-i
else
  wait "$pid"
  bad "the save never wrote 4 MiB: $(cat "$work/i.out")"
fi

echo "== requests that cannot be met"
check "save of a missing domain fails" bash -c "! '$X' save no-such-guest '$saves/x.save' 2>/dev/null"
check "save to a directory that does not exist fails" bash -c "! '$X' save 0 /no/such/dir/x 2>/dev/null"

xl list | awk 'NR > 2 && $1 ~ /^sv-/ { print $1 }' | while read -r n; do xl destroy "$n"; done
echo "save_vm: $((checks - fails))/$checks checks passed"
[ "$fails" -eq 0 ]
