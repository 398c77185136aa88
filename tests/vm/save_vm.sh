#!/usr/bin/env bash
# xlkit save and restore on real Xen 4.17, in dom0 of Xen in a box (run by
# tests/vm/run.sh): files xl restores and xlkit restores (xlkit's and xl's),
# -c, -p, Ctrl-C, bad files, bad requests; a guest's console counter going
# on across save and restore; saves that cannot finish (a guest that cannot
# acknowledge, a pipe nobody drains, Ctrl-C in the suspend). Each check
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
    printf 'extra = "console=hvc0 quiet mitigations=off rodata=off cryptomgr.notests xenbox.ticks=1"\n'
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
# The guests print "tick N" every second (xenbox.ticks=1); xenconsoled logs
# each guest's console, appending when a domain of that name comes back.
# ticks NAME: every tick it printed, one number a line, in order.
ticks() { grep -ao 'tick [0-9]*' "/var/log/xen/console/guest-$1.log" 2>/dev/null | awk '{ print $2 }'; }
last_tick() { local t; t=$(ticks "$1" | tail -n 1); echo "${t:-0}"; }
ticks_past() { [ "$(last_tick "$1")" -gt "$2" ]; }
# ticks_on NAME: its counter moves (it runs), within 60 s.
ticks_on() { local t; t=$(last_tick "$1"); wait_for 60 ticks_past "$1" $((t + 1)); }
. "$(dirname "$0")/boot.sh"   # boot_up: a set-up boot's triple fault retried once
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
check "sv-a runs again under its name" wait_for 30 running sv-a
check "sv-a's kernel runs on: it answers a shutdown" answers sv-a
rm -f "$saves/a.save"

echo "== save -c and -p leave the guest"
"$X" create "$(cfg sv-c obedient)" >/dev/null 2>&1
check "guest sv-c is up" wait_for "$BOOT_S" up sv-c
check "xlkit save -c sv-c" "$X" save -c sv-c "$saves/c.save"
check "sv-c runs on after save -c" wait_for 30 running sv-c
rm -f "$saves/c.save"
check "xlkit save -p sv-c" "$X" save -p sv-c "$saves/p.save"
check "sv-c is paused after save -p" paused sv-c
rm -f "$saves/p.save"
xl unpause sv-c >/dev/null 2>&1

echo "== saves that cannot finish: sv-c runs on, nothing is left"
# Each save below fails while sv-c is running or paused; afterwards it must
# run on (its counter goes on), with no helper, no request in
# control/shutdown and no other domain left.
cdomid=$(xl domid sv-c 2>/dev/null)
ndom=$(xl list | wc -l)
request() { xenstore-read "/local/domain/$cdomid/control/shutdown" 2>/dev/null; }
no_request() { [ -z "$(request)" ]; }
suspend_asked() { [ "$(request)" = suspend ]; }
left_running() { # left_running LABEL
  check "$1: no save helper is left" wait_for 10 no_helper
  check "$1: no request is left in control/shutdown" no_request
  check "$1: no other domain ($(xl list | wc -l) lines in xl list, $ndom before)" test "$(xl list | wc -l)" = "$ndom"
  check "$1: sv-c runs on" wait_for 30 running sv-c
  check "$1: its counter goes on" ticks_on sv-c
}
# a. A guest that cannot acknowledge the suspend request (paused): the
#    request is withdrawn after -t seconds.
xl pause sv-c
"$X" save -t 2 sv-c "$saves/f.save" > "$work/f.out" 2>&1; st=$?
check "unacknowledged: the save fails (status $st)" test "$st" -ne 0
check "unacknowledged: it says so ($(tail -n 1 "$work/f.out" | cut -c1-160))" grep -q "did not acknowledge the suspend request" "$work/f.out"
check "unacknowledged: the file is removed" test ! -e "$saves/f.save"
check "unacknowledged: the request is withdrawn while sv-c is paused" no_request
xl unpause sv-c
left_running "unacknowledged"
# b. A pipe nobody drains (held open, never read): the data phase times out.
mkfifo "$work/f.fifo"
exec 7<>"$work/f.fifo"
"$X" save --data-timeout 2 sv-c "$work/f.fifo" > "$work/f.out" 2>&1; st=$?
exec 7<&-
check "undrained pipe: the save fails (status $st)" test "$st" -ne 0
check "undrained pipe: it names the data phase ($(tail -n 1 "$work/f.out" | cut -c1-160))" grep -q "no data moved" "$work/f.out"
check "undrained pipe: the fifo is left in place" test -p "$work/f.fifo"
left_running "undrained pipe"
# c. Ctrl-C while the guest is asked to suspend (paused: it cannot answer).
xl pause sv-c
"$X" save sv-c "$saves/f.save" > "$work/f.out" 2>&1 &
pid=$!
if wait_for 60 suspend_asked; then
  kill -INT "$pid"
  wait "$pid"; st=$?
  check "Ctrl-C in the suspend: the save fails (status $st)" test "$st" -ne 0
  check "Ctrl-C in the suspend: it says so" grep -q interrupted "$work/f.out"
  check "Ctrl-C in the suspend: the file is removed" test ! -e "$saves/f.save"
  check "Ctrl-C in the suspend: the request is withdrawn while sv-c is paused" no_request
else
  kill -INT "$pid"; wait "$pid"
  bad "the save never asked sv-c to suspend: $(cat "$work/f.out")"
fi
xl unpause sv-c
left_running "Ctrl-C in the suspend"
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
  check "sv-i runs on" wait_for 30 running sv-i
  check "sv-i's kernel runs on: it answers a shutdown" answers sv-i
else
  wait "$pid"
  bad "the save never wrote 4 MiB: $(cat "$work/i.out")"
fi

# mem NAME / vcpus NAME: xl list's columns.
mem() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $3 }'; }
vcpus() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'; }
helper_running() { ps -eo comm= | grep -q "^xlkit-save-help"; }

echo "== xlkit save, xlkit restore"
rcfg=$(cfg sv-r obedient)
"$X" create "$rcfg" >/dev/null 2>&1
check "guest sv-r is up" wait_for "$BOOT_S" up sv-r
uuid_before=$(xl list -v sv-r 2>/dev/null | awk 'NR == 2 { print $7 }')
check "sv-r counts on its console" wait_for 60 ticks_past sv-r 1
check "xlkit save sv-r" "$X" save sv-r "$saves/r.save"
check "sv-r is gone after the save" gone sv-r
saved_tick=$(last_tick sv-r)
t0=$(date +%s.%N)
check "xlkit restore reads xlkit's file (the configuration saved in it)" "$X" restore "$saves/r.save"
t1=$(date +%s.%N)
echo "     (xlkit restore took $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s)"
check "sv-r runs again under its name" wait_for 30 running sv-r
check "sv-r has its memory (96 MiB, xl list says $(mem sv-r))" test "$(mem sv-r)" = 96
check "sv-r has its vcpus (1, xl list says $(vcpus sv-r))" test "$(vcpus sv-r)" = 1
check "sv-r keeps its uuid" test "$(xl list -v sv-r 2>/dev/null | awk 'NR == 2 { print $7 }')" = "$uuid_before"
# Its counter goes on from where it was: not a new boot (which counts from 1).
check "sv-r's counter goes on past tick $saved_tick after the restore" wait_for 60 ticks_past sv-r $((saved_tick + 2))
check "sv-r's counter did not start again (tick 1 once: $(ticks sv-r | grep -cx 1))" test "$(ticks sv-r | grep -cx 1)" = 1
check "sv-r's kernel runs on: it answers a shutdown" answers sv-r
check "no save helper is left" wait_for 10 no_helper

echo "== bad files: a clear error and no domain"
# The libxl stream starts after xl's 48-byte header and its optional data
# (length at offset 44); its first record header is 16 bytes further.
optlen=$(od -An -tu4 -j44 -N4 "$saves/r.save" | tr -d ' ')
restore_fails() { # restore_fails LABEL FILE PATTERN
  local label=$1 file=$2 pattern=$3
  "$X" restore -e "$rcfg" "$file" > "$work/bad.out" 2>&1; local st=$?
  check "$label: restore fails (status $st)" test "$st" -ne 0
  check "$label: it says what is wrong ($(tail -n 1 "$work/bad.out" | cut -c1-150))" grep -qi -- "$pattern" "$work/bad.out"
  check "$label: no domain is left" wait_for 20 gone sv-r
  check "$label: no save helper is left" wait_for 10 no_helper
}
: > "$saves/empty.save"
restore_fails "an empty file" "$saves/empty.save" "empty"
head -c 4096 /etc/services > "$saves/text.save" 2>/dev/null || printf 'not a save file at all, but long enough for a header %.0s' 1 2 3 > "$saves/text.save"
restore_fails "a file that is not a save file" "$saves/text.save" "not a saved domain"
head -c $(( $(stat -c %s "$saves/r.save") / 2 )) "$saves/r.save" > "$saves/half.save"
restore_fails "a truncated file" "$saves/half.save" "truncated"
rm -f "$saves/half.save"
cp "$saves/r.save" "$saves/bad.save"
printf '\x63' | dd of="$saves/bad.save" bs=1 seek=$((48 + optlen + 16)) conv=notrunc 2>/dev/null
restore_fails "a file with a corrupted record" "$saves/bad.save" "record"
rm -f "$saves/bad.save" "$saves/empty.save" "$saves/text.save"

echo "== Ctrl-C during a restore"
# The file comes through a FIFO that holds half of it and stays open (fd 7),
# so the copy is certainly under way, waiting for more, when Ctrl-C comes
# (from a file, on a busy host, the copy could end between seeing the
# helper and the signal: then the restore rightly completes).
mkfifo "$work/ri.fifo"
exec 7<>"$work/ri.fifo"
"$X" restore -e "$rcfg" "$work/ri.fifo" > "$work/ri.out" 2>&1 &
pid=$!
head -c $(( $(stat -c %s "$saves/r.save") / 2 )) "$saves/r.save" >&7 &
hpid=$!
if wait_for 60 helper_running; then
  kill -INT "$pid"
  wait "$pid"; st=$?
  exec 7>&-
  kill "$hpid" 2>/dev/null; wait "$hpid" 2>/dev/null
  rm -f "$work/ri.fifo"
  check "the interrupted restore fails (status $st)" test "$st" -ne 0
  check "it says so" grep -q interrupted "$work/ri.out"
  check "no domain is left" wait_for 20 gone sv-r
  check "no save helper is left" wait_for 10 no_helper
else
  exec 7>&-
  kill "$hpid" 2>/dev/null; wait "$pid"; wait "$hpid" 2>/dev/null
  rm -f "$work/ri.fifo"
  bad "the restore's helper never ran: $(cat "$work/ri.out")"
fi

echo "== restore -p"
check "xlkit restore -p" "$X" restore -p "$rcfg" "$saves/r.save"
check "sv-r is paused after restore -p" paused sv-r
xl unpause sv-r >/dev/null 2>&1
check "sv-r's kernel runs on after unpause: it answers a shutdown" answers sv-r
rm -f "$saves/r.save"

echo "== xl save, xlkit restore"
xcfg=$(cfg sv-x obedient)
xl create "$xcfg" >/dev/null 2>&1
check "guest sv-x is up" wait_for "$BOOT_S" up sv-x
xuuid=$(xl list -v sv-x 2>/dev/null | awk 'NR == 2 { print $7 }')
check "xl save sv-x" xl save sv-x "$saves/x.save"
check "sv-x is gone after xl save" gone sv-x
check "xlkit restore reads xl's file (and xl's configuration in it)" "$X" restore "$saves/x.save"
check "sv-x runs again under its name" wait_for 30 running sv-x
check "sv-x has its memory (96 MiB, xl list says $(mem sv-x))" test "$(mem sv-x)" = 96
check "sv-x keeps its uuid" test "$(xl list -v sv-x 2>/dev/null | awk 'NR == 2 { print $7 }')" = "$xuuid"
check "sv-x's kernel runs on: it answers a shutdown" answers sv-x
rm -f "$saves/x.save"

echo "== PVH: xlkit save, xlkit restore"
# tsc_mode = "native": see tests/vm/pvh_vm.sh (QEMU's emulated SVM); no
# XSAVE, so no AVX for a stale XCR0 to offer the guest's init (docs/ops.md).
pcfg=$(cfg sv-h obedient)
sed -i 's/^type = "pv"$/type = "pvh"/' "$pcfg"
printf 'tsc_mode = "native"\ncpuid = "host,xsave=0"\n' >> "$pcfg"
"$X" create "$pcfg" >/dev/null 2>&1
check "PVH guest sv-h is up" boot_up "$BOOT_S" sv-h up "$X" create "$pcfg"
check "xlkit save sv-h (PVH)" "$X" save sv-h "$saves/h.save"
check "sv-h is gone after the save" gone sv-h
check "xlkit restore of a PVH guest" "$X" restore "$saves/h.save"
check "sv-h runs again under its name" wait_for 30 running sv-h
echo "== PVH: xlkit save, xl restore; xl save, xlkit restore"
check "xlkit save sv-h again" "$X" save sv-h "$saves/h.save"
check "the PVH file keeps the CPUID policy as libxl does" \
  bash -c "head -c 65536 '$saves/h.save' | tr -d '\\0' | grep -aq '\"cpuid\":{\"cpuid\":\\[{\"leaf\":'"
check "xl restore reads xlkit's PVH file" xl restore "$saves/h.save"
check "sv-h runs again under xl" wait_for 30 running sv-h
check "xl keeps its CPUID policy (xl list -l)" bash -c "xl list -l sv-h | grep -q '\"leaf\"'"
check "xl save sv-h (PVH)" xl save sv-h "$saves/h2.save"
check "xlkit restore reads xl's PVH file" "$X" restore "$saves/h2.save"
check "sv-h runs again under xlkit" wait_for 30 running sv-h
check "sv-h's kernel runs on: it answers a shutdown" answers sv-h
rm -f "$saves/h.save" "$saves/h2.save"

echo "== a guest with devices, one hot-plugged: all back after xlkit restore"
truncate -s 16M "$work/d1.img" "$work/d2.img"
dcfg=$(cfg sv-d obedient)
printf "disk = [ '%s/d1.img,raw,xvda,rw' ]\nvif = [ 'mac=00:16:3e:5d:00:01,bridge=xenbr0' ]\n" "$work" >> "$dcfg"
check "create sv-d with a disk and a vif" "$X" create "$dcfg"
check "guest sv-d is up" wait_for "$BOOT_S" up sv-d
check "block-attach xvdb to sv-d" "$X" block-attach sv-d "format=raw,vdev=xvdb,access=rw,target=$work/d2.img"
# disks_connected NAME N: xl block-list shows N disks, every one Connected.
disks_connected() {
  [ "$(xl block-list "$1" 2>/dev/null | awk 'NR > 1 && $4 == 4' | wc -l)" = "$2" ] &&
    [ "$(xl block-list "$1" 2>/dev/null | awk 'NR > 1' | wc -l)" = "$2" ]
}
nic_connected() { xl network-list "$1" 2>/dev/null | awk 'NR > 1 && $3 == "00:16:3e:5d:00:01" && $5 == 4' | grep -q .; }
check "xl list -l knows the hot-plugged disk (the stored configuration)" \
  bash -c "xl list -l sv-d | grep -q '\"vdev\": \"xvdb\"'"
our_loops() { losetup -a 2>/dev/null | grep -c "$work/d[12].img" || true; }
check "xlkit save sv-d" "$X" save sv-d "$saves/d.save"
check "sv-d is gone, and its loop devices with it" bash -c "! xl list sv-d >/dev/null 2>&1 && [ \$(losetup -a | grep -c '$work/d[12].img') = 0 ]"
check "xlkit restore sv-d" "$X" restore "$saves/d.save"
check "sv-d runs again" wait_for 30 running sv-d
check "both disks are back and Connected (xl block-list)" wait_for 120 disks_connected sv-d 2
check "its vif is back with its mac and Connected (xl network-list)" wait_for 120 nic_connected sv-d
check "each disk on a loop device again" test "$(our_loops)" = 2
check "sv-d's kernel runs on: it answers a shutdown" answers sv-d
check "after its death no loop device is left" wait_for 60 eval '[ "$(our_loops)" = 0 ]'
rm -f "$saves/d.save"

echo "== requests that cannot be met"
check "save of a missing domain fails" bash -c "! '$X' save no-such-guest '$saves/x.save' 2>/dev/null"
check "save to a directory that does not exist fails" bash -c "! '$X' save 0 /no/such/dir/x 2>/dev/null"

xl list | awk 'NR > 2 && $1 ~ /^sv-/ { print $1 }' | while read -r n; do xl destroy "$n"; done
echo "save_vm: $((checks - fails))/$checks checks passed"
[ "$fails" -eq 0 ]
