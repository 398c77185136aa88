#!/usr/bin/env bash
# A diagnostic, not a test tier: boot the same 2-vCPU PVH config N times
# three ways: made by xlkit (guest pa), by xl (pb), and by `xlkit create -p
# -e` (no monitor) then `xl unpause` (pc), one after the other with the
# start order rotated, and report which boots died (docs/ops.md, PVH, "2-vCPU
# PVH guests sometimes triple-fault"). Run in Xen in a box (two boxes at
# once make deaths more frequent):
#   tools/hosts/xenbox/xenbox --share $PWD --share BUILD --share OUT -- \
#     bash $PWD/tests/vm/pvh_boot_loop.sh BUILD N OUT
# on_reboot/on_crash = preserve keeps a dead guest for inspection: Xen's log
# (xl dmesg: "Triple fault") and the guest's console are copied to OUT for
# each death, and each guest's console is searched for the kernel's XSAVE
# warning. One line per run, then the totals.
set -u
B=${1:?usage: pvh_boot_loop.sh BUILD [N] [OUT]}; N=${2:-10}; OUT=${3:-/tmp/pvh-boot-loop}
mkdir -p "$OUT"
G=${XENBOX_GUESTS:-/opt/xenbox/guests}
X=$B/tools/xlkit/xlkit
for n in pa pb pc; do
  cat > "/tmp/$n.cfg" <<CFG
name = "$n"
type = "pvh"
kernel = "$G/vmlinux"
ramdisk = "$G/obedient.initrd"
extra = "console=hvc0 mitigations=off rodata=off cryptomgr.notests"
memory = 96
vcpus = 2
tsc_mode = "native"
on_poweroff = "destroy"
on_reboot = "preserve"
on_crash = "preserve"
CFG
done
mk() {
  case $1 in
    pa) "$X" create /tmp/pa.cfg ;;
    pb) xl create -q /tmp/pb.cfg ;;
    pc) "$X" create -p -e /tmp/pc.cfg && xl unpause pc ;;
  esac > "$OUT/create-$1.$k" 2>&1
}
up() { local d; d=$(xl domid "$1" 2>/dev/null) || return 1; [ "$(xenstore-read "/local/domain/$d/data/xenbox-state" 2>/dev/null)" = up ]; }
dead() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }' | grep -q '[sc]'; }
declare -A died=([pa]=0 [pb]=0 [pc]=0)
xl dmesg -c > /dev/null
for k in $(seq "$N"); do
  case $((k % 3)) in 0) order="pa pb pc" ;; 1) order="pb pc pa" ;; 2) order="pc pa pb" ;; esac
  for n in $order; do mk $n; done
  res=""
  for n in pa pb pc; do
    r=timeout
    for _ in $(seq 900); do up $n && { r=up; break; }; dead $n && { r=DIED; break; }; sleep 0.2; done
    if [ $r != up ]; then
      died[$n]=$((died[$n] + 1))
      xl dmesg > "$OUT/dmesg.$k"
      cp "/var/log/xen/console/guest-$n.log" "$OUT/console-$n.$k" 2>/dev/null
    fi
    grep -q "XSAVE consistency" "/var/log/xen/console/guest-$n.log" 2>/dev/null && r="$r,xsave-warning"
    res="$res $n=$r"
  done
  echo "run $k (order $order):$res"
  for n in pa pb pc; do xl destroy $n 2>/dev/null; done
  for _ in $(seq 100); do xl list 2>/dev/null | grep -q '^p[abc] ' || break; sleep 0.2; done
  rm -f /var/log/xen/console/guest-p[abc].log
  xl dmesg -c > /dev/null
done
echo "died: xlkit (pa) ${died[pa]} of $N, xl (pb) ${died[pb]} of $N, xlkit-built xl-unpaused (pc) ${died[pc]} of $N"
