#!/usr/bin/env bash
# The main job's scenario, run by scripts/run on a host with Xen (inside
# Xen in a box) or on the userspace sim host (--sim):
#   create two tiny guests, one PV and one PVH, each with a disk (a file)
#   and a network interface on xenbr0, list them (with their types) and
#   their devices (on real Xen each guest
#   says which disks and interfaces it sees), shut one down with -w (the
#   guest powers off and its on_poweroff=destroy is carried out), destroy
#   the other with progress, and show the events xlkit saw.
# usage: scenario.sh XLKIT_BIN GUEST_KERNEL GUEST_RAMDISK [SIM_GUEST_BIN]
set -euo pipefail
X=$1 KERNEL=$2 RAMDISK=$3 SIMGUEST=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n\033[1m-- %s\033[0m\n' "$*"; }

# guest1 is PV, guest2 PVH (the same kernel boots as either). PVH under
# QEMU's emulated SVM (Xen in a box) needs tsc_mode = "native": with an
# emulated TSC the guest's RDTSCP makes Xen's instruction-length emulation
# fail and the guest crashes (a quirk of the emulator, not of Xen).
PVH_KERNEL=$KERNEL
if [ -n "$SIMGUEST" ]; then
  # The sim host boots nothing, but refuses an ELF without a PVH entry
  # point as real Xen does: give it a stand-in that is no ELF at all.
  echo "stand-in kernel: the sim host boots nothing" > "$work/pvh-kernel"
  PVH_KERNEL=$work/pvh-kernel
fi
for g in 1 2; do
  truncate -s $((8 * g))M "$work/disk$g.img"
  if [ "$g" = 1 ]; then type=pv kernel=$KERNEL tsc=default; else type=pvh kernel=$PVH_KERNEL tsc=native; fi
  cat > "$work/guest$g.cfg" <<CFG
name = "xlkit-guest$g"
type = "$type"
kernel = "$kernel"
ramdisk = "$RAMDISK"
extra = "console=hvc0 quiet"
memory = 96
vcpus = 1
tsc_mode = "$tsc"
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "destroy"
disk = [ "$work/disk$g.img,raw,xvda,rw" ]
vif = [ "mac=00:16:3e:00:00:0$g,bridge=xenbr0" ]
CFG
done

step "xlkit events: watching domain events in the background"
"$X" events --count 3 > "$work/events" 2>&1 &
events_pid=$!

step "xlkit create guest1.cfg (PV); xlkit create guest2.cfg (PVH)"
"$X" create "$work/guest1.cfg"
"$X" create "$work/guest2.cfg"
d1=$("$X" --json list | python3 -c 'import json,sys; print([d["domid"] for d in json.load(sys.stdin) if d.get("name")=="xlkit-guest1"][0])')
if [ -n "$SIMGUEST" ]; then
  # On the sim host nothing boots: stand in for guest1's kernel.
  "$SIMGUEST" "$d1" &
fi

step "xlkit list"
"$X" list
"$X" --json list | python3 -c 'import json,sys
for d in json.load(sys.stdin):
    if d.get("name", "").startswith("xlkit-"): print(d["name"], "is", d["domain_type"].upper())'

step "xlkit block-list / network-list xlkit-guest1 xlkit-guest2"
"$X" block-list xlkit-guest1 xlkit-guest2
"$X" network-list xlkit-guest1 xlkit-guest2
if [ -z "$SIMGUEST" ]; then
  step "what the guests see (they report it in xenstore data/xenbox-devices)"
  for g in 1 2; do
    d=$("$X" --json list | python3 -c "import json,sys; print([d['domid'] for d in json.load(sys.stdin) if d.get('name')=='xlkit-guest$g'][0])")
    seen=
    for _ in $(seq 1200); do  # bounded: 240 s for a boot under emulation
      seen=$(xenstore-read "/local/domain/$d/data/xenbox-devices" 2>/dev/null || true)
      case $seen in *xvda=*eth0=*) break ;; esac
      sleep 0.2
    done
    echo "xlkit-guest$g sees: ${seen:-nothing yet}"
  done
fi

step "xlkit shutdown -w xlkit-guest1 (the guest powers off; on_poweroff=destroy)"
"$X" shutdown -w xlkit-guest1

step "xlkit destroy xlkit-guest2 (stage by stage)"
"$X" destroy xlkit-guest2

step "xlkit list"
"$X" list

step "the events xlkit saw"
# It exits after its three events; bounded, so that a missing one cannot hang
# the job (the guests boot under emulation, possibly on a busy machine).
for _ in $(seq 600); do kill -0 "$events_pid" 2>/dev/null || break; sleep 0.1; done
kill "$events_pid" 2>/dev/null || true
wait "$events_pid" 2>/dev/null || true
cat "$work/events"
step "done: a PV and a PVH guest with a disk and a nic created, one shut down cleanly, one destroyed"
