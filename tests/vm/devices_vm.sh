#!/usr/bin/env bash
# Disks and network interfaces through the xlkit CLI on real Xen 4.17, in
# dom0 of Xen in a box (run by tests/vm/run.sh after cli_vm.sh). The guests
# report what they see (tools/hosts/xenbox/guests/rc: data/xenbox-devices,
# e.g. "xvda=32768:rw net: eth0=00:16:3e:5a:00:01"); xl is the referee for
# listings and the xenstore device tree. Each check prints "ok" or "FAIL";
# the script exits 1 if any failed.
# usage: devices_vm.sh XLKIT_BIN
set -uo pipefail
X=$1
G=${XLKIT_VM_GUESTS:-/opt/xenbox/guests}
work=$(mktemp -d)
fails=0 checks=0
trap 'rm -rf "$work"' EXIT
BOOT_S=${XLKIT_VM_BOOT_SECONDS:-240}

ok() { checks=$((checks + 1)); echo "ok   $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
wait_for() {
  local end=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.2; done
}
xl_has() { xl list "$1" >/dev/null 2>&1; }
gone() { ! xl_has "$1"; }
cfg() { # cfg NAME [extra lines...]
  local name=$1; shift
  {
    printf 'name = "%s"\ntype = "pv"\nkernel = "%s/vmlinux"\nramdisk = "%s/obedient.initrd"\n' "$name" "$G" "$G"
    printf 'extra = "console=hvc0 quiet mitigations=off rodata=off cryptomgr.notests"\n'
    # 128 MiB: room for the front-ends' rings of several disks and nics.
    # A crash is preserved (and its console shown below), not destroyed.
    printf 'memory = 128\nvcpus = 1\non_poweroff = "destroy"\non_crash = "preserve"\n'
    for l in "$@"; do printf '%s\n' "$l"; done
  } > "$work/$name.cfg"
  echo "$work/$name.cfg"
}
domid_of() { xl domid "$1" 2>/dev/null; }
# sees NAME PATTERN: the guest's device report matches PATTERN (grep -E).
sees() {
  local d; d=$(domid_of "$1") || return 1
  xenstore-read "/local/domain/$d/data/xenbox-devices" 2>/dev/null | grep -Eq -- "$2"
}
sees_not() {
  local d; d=$(domid_of "$1") || return 1
  local r; r=$(xenstore-read "/local/domain/$d/data/xenbox-devices" 2>/dev/null) || return 1
  ! printf '%s' "$r" | grep -Eq -- "$2"
}
be_state() { xenstore-read "/local/domain/0/backend/$1/$2/$3/state" 2>/dev/null; }
our_loops() { losetup -a 2>/dev/null | grep -c "$work/" || true; }
vifs_of() { ip -o link show 2>/dev/null | grep -c "vif$1\." || true; }
no_scripts() { ! pgrep -f '/etc/xen/scripts/|hang-block' >/dev/null; }
nothing_left_of() { # nothing_left_of DOMID
  ! xenstore-exists "/local/domain/0/backend/vbd/$1" 2>/dev/null &&
    ! xenstore-exists "/local/domain/0/backend/vif/$1" 2>/dev/null &&
    [ "$(our_loops)" = 0 ] && [ "$(vifs_of "$1")" = 0 ]
}

[ -e /proc/xen/capabilities ] || { echo "FAIL not a Xen dom0: run through tools/hosts/xenbox/xenbox"; exit 1; }
ip link show xenbr0 >/dev/null 2>&1 || { echo "FAIL no xenbr0 bridge in this box"; exit 1; }

truncate -s 16M "$work/a.img"
truncate -s 8M "$work/b.img"
truncate -s 4M "$work/cd.iso"
truncate -s 12M "$work/p.img"
truncate -s 6M "$work/q.img"

echo "== create with a file-backed disk and a vif: the guest sees both"
"$X" create "$(cfg dev-a "disk = [ '$work/a.img,raw,xvda,rw' ]" "vif = [ 'mac=00:16:3e:5a:00:01,bridge=xenbr0' ]")" \
  > "$work/create.out" 2>&1; st=$?
check "create dev-a with a disk and a vif (status $st)" test "$st" -eq 0
[ "$st" -eq 0 ] || cat "$work/create.out"
D=$(domid_of dev-a || echo x)
check "the guest sees a 16 MiB read-write xvda" wait_for "$BOOT_S" sees dev-a 'xvda=32768:rw'
check "the guest sees eth0 with the configured mac" wait_for 60 sees dev-a 'eth0=00:16:3e:5a:00:01'
check "vbd backend Connected" test "$(be_state vbd "$D" 51712)" = 4
check "vif backend Connected" test "$(be_state vif "$D" 0)" = 4
check "hotplug-status connected (vbd)" test "$(xenstore-read /local/domain/0/backend/vbd/$D/51712/hotplug-status 2>/dev/null)" = connected
check "the disk is on a loop device" test "$(our_loops)" = 1
check "the vif is on xenbr0" bash -c "ip -o link show master xenbr0 | grep -q 'vif$D.0'"

echo "== block-list and network-list as xl's"
"$X" block-list dev-a > "$work/bl.ours" 2>&1
xl block-list dev-a > "$work/bl.xl" 2>&1
check "block-list == xl block-list" diff "$work/bl.ours" "$work/bl.xl"
"$X" network-list dev-a > "$work/nl.ours" 2>&1
xl network-list dev-a > "$work/nl.xl" 2>&1
check "network-list == xl network-list" diff "$work/nl.ours" "$work/nl.xl"

echo "== hot-plug a disk, a cdrom and a vif; detach them"
check "block-attach xvdb" "$X" block-attach dev-a "$work/b.img,raw,xvdb,rw"
check "the guest sees xvdb (8 MiB, rw)" wait_for 60 sees dev-a 'xvdb=16384:rw'
check "block-attach a cdrom as xvdc" "$X" block-attach dev-a "$work/cd.iso,raw,xvdc,r,devtype=cdrom"
check "the guest sees xvdc read-only" wait_for 60 sees dev-a 'xvdc=8192:ro'
# A disk that is a block device (here a loop device the test made): no loop
# device of xlkit's, and the caller's device is left as it was after detach.
P=$(losetup -f --show "$work/p.img")
check "block-attach a block device ($P) as xvdd" "$X" block-attach dev-a "format=raw,vdev=xvdd,access=rw,target=$P"
check "the guest sees xvdd (12 MiB, rw)" wait_for 60 sees dev-a 'xvdd=24576:rw'
check "its physical-device is $P's major:minor" test "$(xenstore-read "/local/domain/0/backend/vbd/$D/51760/physical-device" 2>/dev/null)" = "$(stat -L -c '%t:%T' "$P")"
check "block-detach xvdd" "$X" block-detach dev-a xvdd
check "the guest no longer sees xvdd" wait_for 60 sees_not dev-a 'xvdd='
check "the caller's block device is still attached" bash -c "losetup '$P' | grep -q p.img"
losetup -d "$P"
check "network-attach a second vif" "$X" network-attach dev-a mac=00:16:3e:5a:00:02
check "the guest sees eth1" wait_for 60 sees dev-a 'eth1=00:16:3e:5a:00:02'
check "block-detach xvdb" "$X" block-detach dev-a xvdb
check "the guest no longer sees xvdb" wait_for 60 sees_not dev-a 'xvdb='
check "block-detach xvdc" "$X" block-detach dev-a xvdc
check "the guest no longer sees xvdc" wait_for 60 sees_not dev-a 'xvdc='
check "network-detach by mac" "$X" network-detach dev-a 00:16:3e:5a:00:02
check "the guest no longer sees eth1" wait_for 60 sees_not dev-a 'eth1='
# vifname, ip, rate and mtu reach the backend and Xen's vif-bridge script.
check "network-attach a vif with vifname, ip, rate and mtu" \
  "$X" network-attach dev-a mac=00:16:3e:5a:00:03 vifname=xkvif3 ip=10.9.0.53 rate=10Mb/s mtu=1400
check "the guest sees the vif's mac" wait_for 60 sees dev-a '=00:16:3e:5a:00:03'
check "dom0's interface is xkvif3, on xenbr0, mtu 1400" \
  bash -c "ip -o link show xkvif3 | grep -q 'mtu 1400 .*master xenbr0'"
vif3=/local/domain/0/backend/vif/$D/1
check "the backend has ip 10.9.0.53" test "$(xenstore-read $vif3/ip 2>/dev/null)" = 10.9.0.53
check "the backend's rate is 10 Mb/s in 50 ms slices" test "$(xenstore-read $vif3/rate 2>/dev/null)" = 62500,50000
check "network-detach by devid" "$X" network-detach dev-a 1
check "the guest no longer sees it" wait_for 60 sees_not dev-a '=00:16:3e:5a:00:03'
check "xkvif3 is gone from dom0" bash -c "! ip link show xkvif3 >/dev/null 2>&1"
check "one loop device left (xvda's)" test "$(our_loops)" = 1

echo "== destroy leaves nothing"
check "destroy dev-a" "$X" destroy dev-a
check "dev-a is gone" wait_for 120 gone dev-a
check "no backend, loop device or vif of dev-a" nothing_left_of "$D"
check "no hotplug script running" no_scripts

echo "== bad devices: clear errors naming the device, nothing left"
"$X" create "$(cfg dev-bad "disk = [ '$work/missing.img,raw,xvda,rw' ]")" > /dev/null 2> "$work/e1"; st=$?
check "missing backing file: fails (status $st) naming the disk" \
  bash -c "[ $st -ne 0 ] && grep -q 'disk xvda' '$work/e1' && grep -q 'missing.img' '$work/e1'"
check "no dev-bad domain" gone dev-bad
"$X" create "$(cfg dev-bad "vif = [ 'bridge=nosuchbr' ]")" > /dev/null 2> "$work/e2"; st=$?
check "missing bridge: fails (status $st) naming the nic and the bridge" \
  bash -c "[ $st -ne 0 ] && grep -q 'nic 0' '$work/e2' && grep -qi 'nosuchbr' '$work/e2'"
check "no dev-bad domain after the bridge error" wait_for 60 gone dev-bad
"$X" create "$(cfg dev-bad "disk = [ '$work/a.img,raw,xvda,rw', '$work/b.img,raw,xvda,rw' ]")" > /dev/null 2> "$work/e3"; st=$?
check "a vdev used twice: fails (status $st) naming it" bash -c "[ $st -ne 0 ] && grep -q 'xvda' '$work/e3'"
check "no loop device or vif left by the failures" bash -c "[ \$(losetup -a | grep -c '$work/') = 0 ] && ! ip -o link | grep -q ' vif'"

echo "== a hanging hotplug script is killed with its children; Ctrl-C leaves nothing"
cat > "$work/hang-block" <<EOF
#!/bin/bash
sleep 300 &
echo "\$\$ \$!" >> "$work/hang.pids"
wait
EOF
chmod +x "$work/hang-block"
"$X" create -p "$(cfg dev-h)" > /dev/null 2>&1
H=$(domid_of dev-h || echo x)
XLKIT_DEVICE_TIMEOUT_MS=8000 "$X" block-attach dev-h "$work/b.img,raw,xvdb,rw,script=$work/hang-block" \
  > /dev/null 2> "$work/e4"; st=$?
check "hanging script: fails (status $st) saying it did not finish" \
  bash -c "[ $st -ne 0 ] && grep -q 'did not finish' '$work/e4'"
pids_dead() { local a b; while read -r a b; do kill -0 "$a" 2>/dev/null && return 1; kill -0 "$b" 2>/dev/null && return 1; done < "$work/hang.pids"; return 0; }
check "the script and its child are gone" wait_for 30 pids_dead
check "no vbd backend left" bash -c "! xenstore-exists /local/domain/0/backend/vbd/$H/51728"
: > "$work/hang.pids"
set -m
"$X" block-attach dev-h "$work/b.img,raw,xvdb,rw,script=$work/hang-block" > "$work/int.out" 2>&1 &
pid=$!
set +m
script_started() { [ -s "$work/hang.pids" ]; }
check "the attach being interrupted runs its script" wait_for 60 script_started
kill -INT "$pid"
for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
wait "$pid"; st=$?
check "interrupted block-attach exits 130 (status $st)" test "$st" -eq 130
check "its script and child are gone" wait_for 30 pids_dead
check "no vbd backend left after the interrupt" bash -c "! xenstore-exists /local/domain/0/backend/vbd/$H/51728"
check "destroy dev-h" "$X" destroy dev-h
check "dev-h is gone" wait_for 120 gone dev-h

echo "== xl is the referee: the same config gives the same device tree"
# tree DOMID: the device entries of DOMID, paths relative and domid-free,
# without what differs by nature (ports, ring refs, the guest's own keys).
tree() {
  local d=$1
  { xenstore-ls -f "/local/domain/0/backend/vbd/$d" 2>/dev/null
    xenstore-ls -f "/local/domain/0/backend/vif/$d" 2>/dev/null
    xenstore-ls -f "/local/domain/$d/device/vbd" 2>/dev/null
    xenstore-ls -f "/local/domain/$d/device/vif" 2>/dev/null; } |
    sed -E -e "s#/local/domain/$d/#/local/domain/D/#g" -e "s#/backend/(vbd|vif)/$d(/|\"| )#/backend/\1/D\2#g" \
        -e "s#frontend-id = \"$d\"#frontend-id = \"D\"#" |
    grep -Ev '/(event-channel|ring-ref|tx-ring-ref|rx-ring-ref|request-rx-copy|feature-[a-z-]*|multi-queue-[a-z-]*|sectors|sector-size|info|physical-device|node|physical-device-path|hotplug-status|protocol|state) ' |
    sort
}
# Both kinds of disk target (a file; a block device, here as a cdrom) and a
# vif with every key. Two disks only: xl runs Xen's block script for each,
# the scripts queue on its lock, and xl gives them 40 s in all.
Q=$(losetup -f --show "$work/q.img")
spec_disk="'$work/a.img,raw,xvda,rw', '$Q,raw,xvdb,r,devtype=cdrom'"
spec_vif="'mac=00:16:3e:5a:00:09,bridge=xenbr0', 'mac=00:16:3e:5a:00:0a,vifname=xkref1,ip=10.9.0.9,rate=10Mb/s,mtu=1400'"
c=$(cfg ref-xl "disk = [ $spec_disk ]" "vif = [ $spec_vif ]")
check "xl create -p the reference" xl create -p "$c"
R=$(domid_of ref-xl || echo x)
tree "$R" > "$work/tree.xl"
check "xl destroy the reference" xl destroy ref-xl
c=$(cfg ref-xk "disk = [ $spec_disk ]" "vif = [ $spec_vif ]")
check "xlkit create -p the same config" "$X" create -p "$c"
K=$(domid_of ref-xk || echo x)
tree "$K" > "$work/tree.xk"
diff "$work/tree.xl" "$work/tree.xk" > "$work/tree.diff"; st=$?
check "the device trees are the same (apart from documented keys)" test "$st" -eq 0
[ "$st" -eq 0 ] || cat "$work/tree.diff"
check "destroy ref-xk" "$X" destroy ref-xk
check "ref-xk is gone" wait_for 120 gone ref-xk
check "the caller's block device is still attached after destroy" bash -c "losetup '$Q' | grep -q q.img"
losetup -d "$Q"
check "nothing left at the end" bash -c "[ \$(losetup -a | grep -c '$work/') = 0 ] && ! ip -o link | grep -Eq ' (vif|xkvif3|xkref1)'"

if [ "$fails" -ne 0 ]; then
  echo "== after the failure: xl list, the guests' consoles and monitors"
  xl list
  for f in /var/log/xen/console/guest-dev-*.log /var/log/xlkit/dev-*.log; do
    [ -e "$f" ] && { echo "-- $f"; tail -40 "$f"; }
  done
fi
echo "devices_vm: $((checks - fails))/$checks checks passed"
[ "$fails" -eq 0 ]
