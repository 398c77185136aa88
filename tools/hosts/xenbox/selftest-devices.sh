#!/bin/sh
# xenbox device self-test: what the box provides for guests' virtual disks
# (vbd: blkback, Xen's block script, loop devices) and NICs (vif: netback,
# Xen's vif-bridge script, the xenbr0 bridge), checked with Xen's own xl
# (which runs the hotplug scripts itself, as xlkit does). On the host it
# boots the box and runs itself inside dom0:
#     tools/hosts/xenbox/selftest-devices.sh [xenbox options]
# In dom0: a guest with a file-backed disk and a vif is created; the guest's
# report (data/xenbox-devices, its console) must show them, the back-ends
# must reach Connected; disks, a read-only cdrom and a NIC are attached and
# detached at run time; destroy must leave no loop device and no vif. Then
# a guest with neither must report none.
# Every wait is for a state, bounded (the bounds only decide how long a
# broken box takes to fail). Prints one line per check (with the time of the
# xl operations), "N passed, M failed", and exits non-zero if anything failed.
# POSIX sh: in dom0 it runs under busybox ash.

if [ -z "${XENBOX:-}" ]; then
  # On the host: boot the box with this script inside.
  self=$(readlink -f "$0")
  here=$(dirname "$self")
  start=$(date +%s)
  rc=0
  "$here/xenbox" "$@" --files "$self" -- sh "$self" || rc=$?
  echo "selftest-devices: wall time $(( $(date +%s) - start ))s (boot, prepare and tests), exit status $rc"
  exit "$rc"
fi

G=${XENBOX_GUESTS:-/opt/xenbox/guests}
LOGS=/var/log/xen/console
NAME=xenbox-devtest
MAC0=00:16:3e:5a:00:01
MAC1=00:16:3e:5a:00:02
IMG0=/tmp/xenbox-disk0.img    # 16 MiB: 32768 sectors, xvda, at create
IMG1=/tmp/xenbox-disk1.img    #  8 MiB: 16384 sectors, xvdb, attached rw
ISO=/tmp/xenbox-cdrom.iso     #  4 MiB:  8192 sectors, xvdc, attached as a cdrom
# Bounds: the guest's boot (25-160 s under load), anything else.
BOOT=300
STATE=120
pass=0
fail=0
T0=$(cut -d' ' -f1 /proc/uptime)

now() { cut -d' ' -f1 /proc/uptime; }
t() { awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%6.1fs", b - a }'; }
ok() { pass=$((pass + 1)); echo "[$(t)] ok   $*"; }
nok() { fail=$((fail + 1)); echo "[$(t)] FAIL $*"; }
check() { # check DESCRIPTION COMMAND...
  d=$1; shift
  if "$@"; then ok "$d"; else nok "$d"; fi
}
uptime_s() { read -r up _ < /proc/uptime; echo "${up%.*}"; }
wait_for() { # wait_for SECS COMMAND...: poll every 0.5 s until COMMAND succeeds, for SECS at most
  end=$(( $(uptime_s) + $1 )); shift
  until "$@"; do
    [ "$(uptime_s)" -lt "$end" ] || return 1
    sleep 0.5
  done
}
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# timed DESCRIPTION SECS COMMAND...: wait (bounded) until COMMAND succeeds;
# the check line gives the time it took.
timed() {
  d=$1; b=$2; shift 2
  a=$(now)
  if wait_for "$b" "$@"; then ok "$d: $(since "$a") s"; else nok "$d (not within $b s)"; fi
}
# run DESCRIPTION SECS COMMAND...: run COMMAND once (killed after SECS); the
# check line gives its time, or its output if it failed.
run() {
  d=$1; b=$2; shift 2
  a=$(now)
  if timeout "$b" "$@" > /tmp/run.log 2>&1; then
    ok "$d: $(since "$a") s"
  else
    nok "$d"; sed 's/^/    /' /tmp/run.log
  fi
}

xs() { xenstore-read "$1" 2>/dev/null; }
name_of() { xs "/local/domain/$1/name"; }
gone() { [ -z "$(name_of "$1")" ]; }
# The guest's report and its parts (see guests/rc).
report() { xs "/local/domain/$D/data/xenbox-devices"; }
report_is() { [ "$(report)" = "$1" ]; }
has() { # has WORD: the report has the device WORD (NAME=... or =MAC)
  case " $(report) " in *" $1 "*|*"$1 "*) return 0 ;; esac; return 1
}
lacks() { # lacks PREFIX: no device of the report starts with PREFIX (xvdb=) or ends with it (=MAC)
  v=" $(report) "
  [ "$v" != "  " ] || return 1   # no report (yet)
  case $v in *" $1"*|*"$1 "*) return 1 ;; esac; return 0
}
be() { echo "/local/domain/0/backend/$1/$D/$2"; }     # be vbd|vif DEVID: the back-end's path
fe() { echo "/local/domain/$D/device/$1/$2"; }         # the front-end's
state_is() { [ "$(xs "$1/state")" = "$2" ]; }
connected() { state_is "$(be "$1" "$2")" 4 && state_is "$(fe "$1" "$2")" 4; }
be_gone() { ! xenstore-exists "$(be "$1" "$2")" 2>/dev/null; }
loops() { losetup -a 2>/dev/null; }
no_loops() { [ -z "$(loops)" ]; }
loop_of() { loops | grep -q "$1"; }
no_loop_of() { ! loop_of "$1"; }
in_bridge() { [ "$(basename "$(readlink "/sys/class/net/$1/master" 2>/dev/null)")" = xenbr0 ]; }
no_netif() { [ ! -e "/sys/class/net/$1" ]; }
no_vifs() { ! ls /sys/class/net | grep -q '^vif'; }
console_line() { tr -d '\r' < "$LOGS/guest-$1.log" 2>/dev/null | grep -qxF "$2"; }   # console_line NAME LINE: a whole line

echo "xenbox device selftest in dom0: $(uname -r), guests in $G"

# ---- what dom0 provides
for m in loop xen_blkback xen_netback bridge; do
  check "module $m loaded" grep -q "^$m " /proc/modules
done
check "/dev/stdin, /dev/stdout, /dev/stderr, /dev/fd link to /proc/self/fd" \
  sh -c '[ "$(readlink /dev/stdin)" = /proc/self/fd/0 ] && [ "$(readlink /dev/stdout)" = /proc/self/fd/1 ] &&
         [ "$(readlink /dev/stderr)" = /proc/self/fd/2 ] && [ "$(readlink /dev/fd)" = /proc/self/fd ] && stat -L /dev/stdin >/dev/null'
check "Xen's hotplug scripts in /etc/xen/scripts" sh -c '[ -x /etc/xen/scripts/block ] && [ -x /etc/xen/scripts/vif-bridge ]'
missing=
for p in bash losetup ip flock stat sed awk expr logger which xenstore-read xenstore-write xenstore-exists; do
  command -v "$p" >/dev/null || missing="$missing $p"
done
check "what the hotplug scripts run is there (${missing:-all})" [ -z "$missing" ]
check "/var/run/xen-hotplug and /var/log/xen exist" sh -c '[ -d /var/run/xen-hotplug ] && [ -d /var/log/xen ]'
check "bridge xenbr0: up, 10.9.0.1/24, stp off, forward delay 0" sh -c '
  ip -o link show xenbr0 | grep -q "[<,]UP[,>]" && ip -o -4 addr show xenbr0 | grep -q " 10\.9\.0\.1/24 " &&
  [ "$(cat /sys/class/net/xenbr0/bridge/stp_state)" = 0 ] && [ "$(cat /sys/class/net/xenbr0/bridge/forward_delay)" = 0 ]'
check "loop devices present, none in use" sh -c '[ -b /dev/loop0 ] && [ -z "$(losetup -a)" ]'

# ---- a guest with a file-backed disk and a vif
rm -f "$IMG0" "$IMG1" "$ISO"
truncate -s 16M "$IMG0"; truncate -s 8M "$IMG1"; truncate -s 4M "$ISO"
cat > /tmp/$NAME.cfg <<EOF
name = "$NAME"
type = "pv"
kernel = "$G/vmlinux"
ramdisk = "$G/obedient.initrd"
extra = "console=hvc0 quiet mitigations=off rodata=off cryptomgr.notests"
memory = 96
maxmem = 96
vcpus = 1
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "destroy"
disk = [ "format=raw,vdev=xvda,access=rw,target=$IMG0" ]
vif = [ "mac=$MAC0,bridge=xenbr0" ]
EOF
run "xl create with a 16 MiB file-backed disk and a vif" "$STATE" xl create -q /tmp/$NAME.cfg
D=$(xl domid "$NAME" 2>/dev/null)
if [ -z "$D" ]; then
  nok "the guest exists"
else
  # xvda = 51712, xvdb = 51728, xvdc = 51744 (the vbd device ids)
  check "the disk's file is on a loop device" loop_of "$IMG0"
  check "the hotplug scripts logged through syslog (/var/log/messages)" \
    sh -c "grep -q '/etc/xen/scripts/block: add XENBUS_PATH=backend/vbd/$D/51712' /var/log/messages &&
           grep -q 'vif-bridge: Successful vif-bridge online for vif$D.0, bridge xenbr0' /var/log/messages"
  check "vif$D.0 is in xenbr0" in_bridge "vif$D.0"
  timed "guest reports xvda=32768:rw and eth0=$MAC0 (since create returned)" "$BOOT" \
    report_is "xvda=32768:rw net: eth0=$MAC0"
  check "disk back-end and front-end Connected (4)" connected vbd 51712
  check "vif back-end and front-end Connected (4)" connected vif 0
  check "guest is up (data/xenbox-state)" [ "$(xs "/local/domain/$D/data/xenbox-state")" = up ]
  check "its console says so, on a line of its own" console_line "$NAME" "xenbox-guest: obedient: devices: xvda=32768:rw net: eth0=$MAC0"

  # ---- a disk attached and detached at run time
  run "xl block-attach xvdb (8 MiB, rw)" "$STATE" xl block-attach "$NAME" "format=raw,vdev=xvdb,access=rw,target=$IMG1"
  timed "guest reports xvdb=16384:rw (since the attach returned)" "$STATE" has xvdb=16384:rw
  check "xvdb Connected on both ends" connected vbd 51728
  check "xvdb's file is on a loop device" loop_of "$IMG1"
  run "xl block-detach xvdb" "$STATE" xl block-detach "$NAME" xvdb
  timed "guest no longer reports xvdb (since the detach returned)" "$STATE" lacks xvdb=
  check "xvdb's back-end is gone" wait_for "$STATE" be_gone vbd 51728
  check "xvdb's loop device is freed" wait_for "$STATE" no_loop_of "$IMG1"

  # ---- a read-only cdrom
  run "xl block-attach xvdc (4 MiB, devtype=cdrom, ro)" "$STATE" xl block-attach "$NAME" "format=raw,vdev=xvdc,access=ro,devtype=cdrom,target=$ISO"
  timed "guest reports xvdc=8192:ro" "$STATE" has xvdc=8192:ro
  check "xvdc Connected on both ends" connected vbd 51744
  run "xl block-detach xvdc" "$STATE" xl block-detach "$NAME" xvdc
  timed "guest no longer reports xvdc" "$STATE" lacks xvdc=

  # ---- a NIC attached and detached at run time
  run "xl network-attach (mac $MAC1, bridge xenbr0)" "$STATE" xl network-attach "$NAME" "mac=$MAC1,bridge=xenbr0"
  timed "guest reports a NIC with $MAC1" "$STATE" has "=$MAC1"
  check "vif 1 Connected on both ends" connected vif 1
  check "vif$D.1 is in xenbr0" in_bridge "vif$D.1"
  run "xl network-detach 1" "$STATE" xl network-detach "$NAME" 1
  timed "guest no longer reports $MAC1" "$STATE" lacks "=$MAC1"
  check "vif$D.1 is gone" wait_for "$STATE" no_netif "vif$D.1"
  check "the guest's report is back to what it was created with" report_is "xvda=32768:rw net: eth0=$MAC0"

  # ---- destroy
  run "xl destroy" "$STATE" xl destroy "$NAME"
  check "the guest is gone" wait_for "$STATE" gone "$D"
  check "losetup -a is empty" wait_for "$STATE" no_loops
  check "no vif interface left" wait_for "$STATE" no_vifs
  check "no back-end left in xenstore" sh -c "! xenstore-exists /local/domain/0/backend/vbd/$D && ! xenstore-exists /local/domain/0/backend/vif/$D"
fi

# ---- a guest with neither
run "xl create of a guest without disks or NICs" "$STATE" xl create -q "$G/obedient.cfg" "name=\"$NAME-none\""
D=$(xl domid "$NAME-none" 2>/dev/null)
if [ -n "$D" ]; then
  timed "it reports no devices (\"net:\")" "$BOOT" report_is "net:"
  check "its console says so" console_line "$NAME-none" "xenbox-guest: obedient: devices: net:"
  run "xl destroy" "$STATE" xl destroy "$NAME-none"
fi

if [ "$fail" != 0 ]; then
  echo "--- losetup -a"; losetup -a
  echo "--- xenbr0"; ip -o link show master xenbr0 2>&1
  for f in "$LOGS"/guest-$NAME*.log; do echo "--- $f"; tail -n 30 "$f"; done
  echo "--- /var/log/xen/xen-hotplug.log"; tail -n 20 /var/log/xen/xen-hotplug.log 2>/dev/null
  echo "--- /var/log/messages"; tail -n 40 /var/log/messages 2>/dev/null
fi
rm -f "$IMG0" "$IMG1" "$ISO"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
