#!/usr/bin/env bash
# A diagnostic, not a test tier: boot the same 2-vCPU PVH config N times
# with xlkit (guest pa) and with xl (guest pb), one after the other in
# alternating order, and report which boots died (docs/ops.md, PVH, "An
# open problem"). Run in Xen in a box:
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
for n in pa pb; do
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
mk() { if [ "$1" = pa ]; then "$X" create /tmp/pa.cfg; else xl create -q /tmp/pb.cfg; fi > "$OUT/create-$1.$k" 2>&1; }
up() { local d; d=$(xl domid "$1" 2>/dev/null) || return 1; [ "$(xenstore-read "/local/domain/$d/data/xenbox-state" 2>/dev/null)" = up ]; }
dead() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }' | grep -q '[sc]'; }
died_pa=0 died_pb=0
xl dmesg -c > /dev/null
for k in $(seq "$N"); do
  if [ $((k % 2)) = 1 ]; then first=pa; mk pa; mk pb; else first=pb; mk pb; mk pa; fi
  res=""
  for n in pa pb; do
    r=timeout
    for _ in $(seq 900); do up $n && { r=up; break; }; dead $n && { r=DIED; break; }; sleep 0.2; done
    if [ $r != up ]; then
      eval "died_$n=\$((died_$n + 1))"
      xl dmesg > "$OUT/dmesg.$k"
      cp "/var/log/xen/console/guest-$n.log" "$OUT/console-$n.$k" 2>/dev/null
    fi
    grep -q "XSAVE consistency" "/var/log/xen/console/guest-$n.log" 2>/dev/null && r="$r,xsave-warning"
    res="$res $n=$r"
  done
  echo "run $k (first $first):$res"
  xl destroy pa 2>/dev/null; xl destroy pb 2>/dev/null
  for _ in $(seq 100); do xl list 2>/dev/null | grep -q '^p[ab] ' || break; sleep 0.2; done
  rm -f /var/log/xen/console/guest-p[ab].log
  xl dmesg -c > /dev/null
done
echo "died: xlkit (pa) $died_pa of $N, xl (pb) $died_pb of $N"
