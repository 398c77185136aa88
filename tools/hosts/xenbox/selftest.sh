#!/bin/sh
# xenbox self-test: the box itself works (Xen, dom0 daemons, xl, the three
# tiny guests behave as documented). On the host it boots the box and runs
# itself inside dom0:
#     tools/hosts/xenbox/selftest.sh [xenbox options]
# which is the same as
#     tools/hosts/xenbox/xenbox --files $PWD/tools/hosts/xenbox/selftest.sh -- \
#         sh $PWD/tools/hosts/xenbox/selftest.sh
# Prints one line per check and a closing "N passed, M failed"; exits non-zero
# if anything failed. POSIX sh: in dom0 it runs under busybox ash.

if [ -z "${XENBOX:-}" ]; then
  # On the host: boot the box with this script inside.
  self=$(readlink -f "$0")
  here=$(dirname "$self")
  start=$(date +%s)
  rc=0
  "$here/xenbox" "$@" --files "$self" -- sh "$self" || rc=$?
  echo "selftest: wall time $(( $(date +%s) - start ))s (boot, prepare and tests), exit status $rc"
  exit "$rc"
fi

G=${XENBOX_GUESTS:-/opt/xenbox/guests}
LOGS=/var/log/xen/console
pass=0
fail=0
T0=$(cut -d' ' -f1 /proc/uptime)

t() { awk -v a="$T0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%6.1fs", b - a }'; }
ok() { pass=$((pass + 1)); echo "[$(t)] ok   $*"; }
nok() { fail=$((fail + 1)); echo "[$(t)] FAIL $*"; }
check() { # check DESCRIPTION COMMAND...
  d=$1; shift
  if "$@"; then ok "$d"; else nok "$d"; fi
}
domid() { xl domid "$1" 2>/dev/null; }
# Cheap checks for the polling loops (xenstore-read, not xl: under emulation
# every xl run costs dom0 a second of CPU that the booting guests need).
name_of() { xenstore-read "/local/domain/$1/name" 2>/dev/null; }
state() { # state DOMID: the guest's data/xenbox-state (written by its init)
  xenstore-read "/local/domain/$1/data/xenbox-state" 2>/dev/null
}
wait_for() { # wait_for SECS COMMAND...: poll every 0.5 s
  n=$(($1 * 2)); shift
  while [ "$n" -gt 0 ]; do
    "$@" && return 0
    sleep 0.5; n=$((n - 1))
  done
  return 1
}
state_is() { [ "$(state "$1")" = "$2" ]; }
is_up() { state_is "$1" up; }
gone() { [ -z "$(name_of "$1")" ]; }
exists() { [ -n "$(name_of "$1")" ]; }
restarted_up() { # restarted_up NAME OLDID: back with another domid, and up
  id=$(domid "$1") && [ "$id" != "$2" ] && is_up "$id"
}
console_has() { grep -q "$2" "$LOGS/guest-$1.log" 2>/dev/null; }

echo "xenbox selftest in dom0: $(uname -r), guests in $G"

# The toolstack answers.
check "xl list shows Domain-0" sh -c 'xl list | grep -q "^Domain-0 "'
check "xl info reports xen 4.17" sh -c 'xl info | grep -q "^xen_version *: 4\.17"'
check "xenstore answers" sh -c "xenstore-read /local/domain/0/name >/dev/null"

# Create the three guests; they boot in parallel.
create() { # create NAME: xl create, then its domid in $id
  id=
  check "xl create $1.cfg" sh -c "xl create -q '$G/$1.cfg' >/tmp/create-$1.log 2>&1 || { cat /tmp/create-$1.log; exit 1; }"
  id=$(domid "$1")
}
create poweroff; p=$id
create obedient; o=$id
create stubborn; s=$id
check "xl list shows obedient and stubborn" sh -c 'xl list | grep -q "^obedient " && xl list | grep -q "^stubborn "'

# poweroff: powers itself off (through its init) and disappears by itself.
check "poweroff guest disappears by itself (within 300 s)" wait_for 300 gone "$p"
check "poweroff guest went through init's shutdown" console_has poweroff "poweroff: shutting down"

check "obedient guest is up (xenstore data/xenbox-state)" wait_for 300 is_up "$o"
check "stubborn guest is up" wait_for 300 is_up "$s"

# obedient: reboot restarts it (on_reboot = restart, new domid); shutdown -w returns.
check "xl reboot obedient" xl reboot obedient
check "obedient rebooted: new domid, up again (within 300 s)" wait_for 300 restarted_up obedient "$o"
o=$(domid obedient)
check "xl shutdown -w obedient returns (within 60 s)" timeout 60 xl shutdown -w obedient
check "obedient is gone" wait_for 10 gone "$o"
check "obedient went through init's shutdown" console_has obedient "obedient: shutting down"

# stubborn: the request is acknowledged, nothing happens.
check "xl shutdown stubborn (request acknowledged)" timeout 30 xl shutdown stubborn
sleep 5
check "stubborn still running 5 s later" exists "$s"
check "stubborn saw the request and ignored it" wait_for 10 state_is "$s" ignored-poweroff
if timeout 5 xl shutdown -w stubborn >/dev/null 2>&1; then
  nok "xl shutdown -w stubborn did not complete within 5 s"
else
  ok "xl shutdown -w stubborn did not complete within 5 s"
fi
check "xl destroy stubborn" xl destroy stubborn
check "stubborn is gone" wait_for 10 gone "$s"

check "only Domain-0 left" sh -c '[ "$(xl list | tail -n +2 | wc -l)" = 1 ]'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
