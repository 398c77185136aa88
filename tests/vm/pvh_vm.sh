#!/usr/bin/env bash
# PVH guests on real Xen 4.17, in dom0 of Xen in a box (run by
# tests/vm/run.sh): created by xlkit, up on their console, listed as xl lists
# them, paused, unpaused, rebooted (restarted as PVH by its monitor), waited
# for, shut down on request (and powered off), one with a disk and a vif
# that it sees, a guest that ignores the request timed out; the same config created by xl is the
# same domain as far as both toolstacks show; a cpuid list gives the policy
# xl gives; maxmem above memory boots as xl's; bad PVH configs fail cleanly.
# Each check prints "ok" or "FAIL"; the script exits 1 if any failed.
#
# Every guest has tsc_mode = "native": under QEMU's emulated SVM a PVH Linux
# that runs RDTSCP with an emulated TSC crashes (Xen: "SVM Insn len emulation
# failed"), a quirk of the emulator, not of Xen on hardware
# (shared notes, xen-in-qemu-devices.md).
# usage: pvh_vm.sh XLKIT_BIN
set -uo pipefail
X=$1
G=${XLKIT_VM_GUESTS:-/opt/xenbox/guests}
work=$(mktemp -d)
fails=0 checks=0
trap 'rm -rf "$work"' EXIT

ok() { checks=$((checks + 1)); echo "ok   $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; return 1; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
xl_has() { xl list "$1" >/dev/null 2>&1; }
cfg() { # cfg NAME KIND [extra lines...]: a PVH guest of the box's kernel
  local name=$1 kind=$2; shift 2
  {
    printf 'name = "%s"\ntype = "pvh"\nkernel = "%s/vmlinux"\nramdisk = "%s/%s.initrd"\n' "$name" "$G" "$G" "$kind"
    printf 'extra = "console=hvc0 quiet mitigations=off rodata=off cryptomgr.notests"\n'
    printf 'memory = 96\nvcpus = 2\ntsc_mode = "native"\n'
    printf 'on_poweroff = "destroy"\non_reboot = "restart"\non_crash = "destroy"\n'
    for l in "$@"; do printf '%s\n' "$l"; done
  } > "$work/$name.cfg"
  echo "$work/$name.cfg"
}
BOOT_S=${XLKIT_VM_BOOT_SECONDS:-240}
wait_for() { # wait_for SECONDS COMMAND...: polled until it succeeds
  local end=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.2; done
}
online_vcpus() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'; }
vcpus_online_are() { [ "$(online_vcpus "$1")" = "$2" ]; }
state_of() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }
domid_of() { xl domid "$1" 2>/dev/null; }
domid_other_than() { local n; n=$(domid_of "$1") && [ "$n" != "$2" ]; }
# early_reboots: the restarts xlkit's monitors logged, if any (printed, not
# failed: see guest_up).
early_reboots() { grep -h "has shut down (reason reboot)" /var/log/xlkit/pvh-*.log 2>/dev/null || true; }
state_has() { case "$(state_of "$1")" in *"$2"*) return 0 ;; esac; return 1; }
# guest_up NAME: its console (xenconsoled's pty) said ": up" within BOOT_S
# (read without flushing: what it printed before counts).
# The domid is looked up until it resolves (bounded): a guest that reboots
# during its first seconds is restarted by its monitor under a new domid,
# and for that moment no domain has its name. That has happened to xlkit's
# PVH guest under emulation (the monitor's log says "has shut down (reason
# reboot)" a second or two after the create; the second boot comes up); it
# is shown by early_reboots below, not hidden.
guest_up() {
  local d tty end=$(( $(date +%s) + BOOT_S )) rc
  while [ "$(date +%s)" -lt "$end" ]; do
    wait_for 60 domid_of "$1" >/dev/null || return 1
    d=$(domid_of "$1") || continue
    tty=$(xenstore-read "/local/domain/$d/console/tty" 2>/dev/null) || { sleep 0.5; continue; }
    python3 - "$tty" "$(( end - $(date +%s) ))" <<'PY'
import os, select, sys, termios, time, tty
try:
    fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    tty.setraw(fd, termios.TCSANOW)
except (OSError, termios.error):
    sys.exit(2)  # the console went away: the domain is being restarted
end, seen = time.time() + float(sys.argv[2]), b""
while time.time() < end and b": up" not in seen:
    if select.select([fd], [], [], 0.2)[0]:
        try: seen += os.read(fd, 4096)
        except BlockingIOError: pass
        except OSError: sys.exit(2)  # as above
sys.exit(0 if b": up" in seen else 1)
PY
    rc=$?
    [ "$rc" = 2 ] || return "$rc"
    echo "     the console of $1 (domain $d) went away: it was restarted; waiting for the new one"
    # Not the dying domain's console again: it can still be listed, its
    # pty half closed, for a moment.
    wait_for 60 domid_other_than "$1" "$d" || return 1
  done
  return 1
}
# xs_up NAME: the guest's init wrote data/xenbox-state = up (it has registered
# its shutdown watch by then).
xs_up() {
  local d; d=$(xl domid "$1" 2>/dev/null) || return 1
  [ "$(xenstore-read "/local/domain/$d/data/xenbox-state" 2>/dev/null)" = up ]
}
gone() { ! xl_has "$1"; }
wait_gone() { wait_for 120 gone "$1"; }
only_dom0_and() { # the listed guests (besides Domain-0) are exactly "$@"
  local want have
  want=$(printf '%s\n' Domain-0 "$@" | sort | tr '\n' ' ')
  have=$(xl list | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' ')
  [ "$want" = "$have" ]
}

[ -e /proc/xen/capabilities ] || { echo "FAIL not a Xen dom0: run through tools/hosts/xenbox/xenbox"; exit 1; }
xl info | grep -q '^virt_caps.* hvm' || { echo "FAIL this Xen has no HVM support: PVH guests cannot run"; exit 1; }

echo "== a PVH guest by xlkit and the same config by xl"
check "xlkit creates a PVH guest" "$X" create "$(cfg pvh-ob obedient)"
check "xl creates the same config (the referee)" xl create -q "$(cfg ref-pvh obedient)"
check "the xlkit guest says it is up on its console" guest_up pvh-ob
check "the xl guest says it is up on its console" guest_up ref-pvh
check "the hypervisor has both vCPUs of the xlkit guest online" wait_for 60 vcpus_online_are pvh-ob 2
check "the hypervisor has both vCPUs of the xl guest online" wait_for 60 vcpus_online_are ref-pvh 2

"$X" list > "$work/ours" 2>&1
xl list > "$work/theirs" 2>&1
cols() { awk 'NR > 1 && $1 != "ref-pvh" { print $1, $2, $3, $4 }' "$1" | sort; }
cols "$work/ours" > "$work/ours.cols"; cols "$work/theirs" > "$work/theirs.cols"
check "xlkit list and xl list agree (name, id, memory, vCPUs)" cmp -s "$work/ours.cols" "$work/theirs.cols" \
  || diff "$work/ours.cols" "$work/theirs.cols"

# The referee: what each toolstack shows of the two guests. xl list -l gives
# the config xl created ref-pvh from; xlkit list -l gives what the hypervisor
# and xenstore say of a domain. The fields both fill must agree, and xlkit
# must see the two domains alike.
"$X" list -l pvh-ob > "$work/ob.json" 2>&1
"$X" list -l ref-pvh > "$work/ref.json" 2>&1
xl list -l ref-pvh > "$work/xl-ref.json" 2>&1
python3 - "$work/ob.json" "$work/ref.json" "$work/xl-ref.json" > "$work/referee" 2>&1 <<'PY'
import json, sys
ob, ref = (json.load(open(p))[0] for p in sys.argv[1:3])
xl = json.load(open(sys.argv[3]))[0]["config"]
bad = []
def same(what, a, b):
    if a != b: bad.append(f"{what}: {a!r} != {b!r}")
# xlkit's view of its guest and of xl's: alike but for names, ids and times.
for k in ("domain_type", "max_memkb", "vcpu_max_id", "vcpu_online"):
    same(f"xlkit list -l {k} (xlkit's guest vs xl's)", ob.get(k), ref.get(k))
# xl's config of its guest against xlkit's view of its own.
same("type", xl["c_info"]["type"], ob.get("domain_type"))
same("vcpus", xl["b_info"]["max_vcpus"], ob.get("vcpu_max_id", 0) + 1)
same("memory (target + libxl's 1 MiB slack = the hypervisor's max)", xl["b_info"]["target_memkb"] + 1024, ob.get("max_memkb"))
same("tsc_mode", xl["b_info"].get("tsc_mode"), "native")
print("\n".join(bad) if bad else "all agree")
sys.exit(1 if bad else 0)
PY
check "xl's config of its guest and xlkit's view of both agree (type, memory, vCPUs, TSC mode)" \
  grep -qx "all agree" "$work/referee" || cat "$work/referee"
# xl list -l reads the configuration each toolstack stored for its guest
# (libxl's userdata file): xl must know xlkit's guest as it knows its own.
xl list -l pvh-ob > "$work/xl-ob.json" 2>&1
python3 - "$work/xl-ob.json" "$work/xl-ref.json" > "$work/referee2" 2>&1 <<'PY'
import json, sys
ob, ref = (json.load(open(p))[0]["config"] for p in sys.argv[1:3])
bad = []
for part, keys in (("c_info", ("type",)),
                   ("b_info", ("max_vcpus", "avail_vcpus", "max_memkb", "target_memkb", "tsc_mode",
                               "kernel", "ramdisk", "cmdline"))):
    for k in keys:
        if ob[part].get(k) != ref[part].get(k):
            bad.append(f"{part}.{k}: xlkit's {ob[part].get(k)!r} != xl's {ref[part].get(k)!r}")
if ob["c_info"].get("name") != "pvh-ob": bad.append(f"c_info.name: {ob['c_info'].get('name')!r}")
print("\n".join(bad) if bad else "all agree")
sys.exit(1 if bad else 0)
PY
check "xl list -l shows xlkit's guest as it shows its own (type, vCPUs, memory, TSC mode, kernel)" \
  grep -qx "all agree" "$work/referee2" || cat "$work/referee2"
xs_type() { xenstore-read "/libxl/$(xl domid "$1")/type" 2>/dev/null; }
check "both record type pvh where libxl reads it (/libxl/D/type)" \
  test "$(xs_type pvh-ob)/$(xs_type ref-pvh)" = "pvh/pvh"
xl destroy ref-pvh

echo "== pause, unpause, shutdown"
check "pause" "$X" pause pvh-ob
check "xl sees it paused" state_has pvh-ob p
check "unpause" "$X" unpause pvh-ob
check "xl sees it running again" wait_for 30 eval '! state_has pvh-ob p'
check "its init is up (shutdown watch registered)" wait_for "$BOOT_S" xs_up pvh-ob
domid_before=$(xl domid pvh-ob)
check "reboot: the guest accepts" "$X" reboot pvh-ob
new_domid() { local d; d=$(xl domid pvh-ob 2>/dev/null) && [ "$d" != "$domid_before" ]; }
check "on_reboot=restart: the monitor creates it again, as PVH, under a new domid" wait_for "$BOOT_S" new_domid
# The monitor may still be making it when its domid first shows: poll.
check "the new one is PVH" wait_for 60 eval '"$X" list -l pvh-ob 2>/dev/null | grep -q "\"domain_type\": \"pvh\""'
check "the new one comes up" wait_for "$BOOT_S" xs_up pvh-ob
"$X" wait pvh-ob > "$work/wait.out" 2>&1 &
wait_pid=$!
check "shutdown -w: the guest powers off and on_poweroff=destroy is carried out" "$X" shutdown -w pvh-ob
check "it is gone" wait_gone pvh-ob
wait "$wait_pid"
check "xlkit wait, started before, returned 0 at its death" test $? = 0

echo "== created paused; a guest that ignores shutdown times out"
truncate -s 16M "$work/st.img"
check "create -p a stubborn PVH guest with a disk and a vif" "$X" create -p "$(cfg pvh-st stubborn \
  "disk = [ 'format=raw,vdev=xvda,access=rw,target=$work/st.img' ]" "vif = [ 'mac=00:16:3e:5c:00:01,bridge=xenbr0' ]")"
check "it is paused" state_has pvh-st p
check "unpause" "$X" unpause pvh-st
check "it comes up" guest_up pvh-st
check "its init is up" wait_for "$BOOT_S" xs_up pvh-st
devices_seen() {
  local v; v=$(xenstore-read "/local/domain/$(xl domid pvh-st)/data/xenbox-devices" 2>/dev/null) || return 1
  case " $v " in *" xvda=32768:rw "*"eth0=00:16:3e:5c:00:01 "*) return 0 ;; esac; return 1
}
check "the PVH guest sees its disk and its network interface" wait_for 120 devices_seen
"$X" shutdown -w -t 5 pvh-st > "$work/st.out" 2>&1
st=$?
check "shutdown -w -t 5 fails (status 1)" test "$st" = 1
check "with GUEST_TIMEDOUT" grep -qi "guest did not respond in time\|GUEST_TIMEDOUT" "$work/st.out" || cat "$work/st.out"
check "the guest is still there" xl_has pvh-st
check "destroy" "$X" destroy pvh-st
check "it is gone" wait_gone pvh-st
check "no loop device left" test -z "$(losetup -a)"

echo "== cpuid in xl's list form"
# Two bits the default policy gives a guest of this box cleared by list
# items (rdtscp, 0x80000001 edx bit 27; erms, 7,0 ebx bit 9): the policy Xen
# holds for xlkit's guest (xen-cpuid -p DOMID, from the host's Xen tools) has
# them clear, as xl's guest of the same config does, and a guest without
# the setting has them set. xlkit's guest also comes up.
XEN_CPUID=${XLKIT_XEN_CPUID:-/usr/lib/xen-4.17/bin/xen-cpuid}
LIST_CPUID='cpuid = [ "0x80000001:edx=xxxx0xxxxxxxxxxxxxxxxxxxxxxxxxxx", "7,0:ebx=xxxxxxxxxxxxxxxxxxxxxx0xxxxxxxxx" ]'
# policy_of NAME: its policy, without the first line ("Domain D policy: ...").
# Never with an empty domid (xen-cpuid -p alone prints the host's policies):
# once in a loaded CI run `xl domid` did not find a guest created a moment
# before (xlkit and a later `xl domid` both found it), so the name is looked
# up until it resolves, within 30 s.
policy_of() {
  local d
  wait_for 30 domid_of "$1" >/dev/null || { echo "     xl domid $1: not found within 30 s"; return 1; }
  d=$(domid_of "$1")
  "$XEN_CPUID" -p "$d" > "$work/$1.policy.all" 2>&1 && tail -n +2 "$work/$1.policy.all" > "$work/$1.policy"
}
# reg_of NAME LEAF SUBLEAF INDEX: one register (0 eax .. 3 edx) of a leaf in
# xen-cpuid's "  LLLLLLLL:SSSSSSSS -> eax:ebx:ecx:edx" lines.
reg_of() { awk -v k="$2:$3" -v i="$(($4 + 1))" '$1 == k && $2 == "->" { split($3, r, ":"); print r[i] }' "$work/$1.policy"; }
bit_of() { local v; v=$(reg_of "$1" "$2" "$3" "$4"); [ -n "$v" ] && echo $(( (0x$v >> $5) & 1 )); }
cpuid_bits() { echo "$(bit_of "$1" 80000001 ffffffff 3 27)$(bit_of "$1" 00000007 00000000 1 9)"; }
if [ -x "$XEN_CPUID" ]; then
  check "xlkit creates a PVH guest with a cpuid list" "$X" create "$(cfg pvh-cl obedient "$LIST_CPUID")"
  check "xl creates the same config, paused (the referee)" xl create -q -p "$(cfg ref-cl obedient "$LIST_CPUID")"
  check "xl creates it without the cpuid list, paused" xl create -q -p "$(cfg ref-nocl obedient)"
  check "xen-cpuid reads the three policies" eval 'policy_of pvh-cl && policy_of ref-cl && policy_of ref-nocl'
  check "without the list: rdtscp and erms are set (the list has something to clear)" \
    test "$(cpuid_bits ref-nocl)" = 11 || cat "$work/ref-nocl.policy"
  check "xlkit's guest: rdtscp and erms clear" test "$(cpuid_bits pvh-cl)" = 00 || cat "$work/pvh-cl.policy"
  check "xlkit's guest has xl's policy for the same config, leaf for leaf" \
    cmp -s "$work/pvh-cl.policy" "$work/ref-cl.policy" || diff "$work/pvh-cl.policy" "$work/ref-cl.policy"
  check "xlkit's guest comes up" guest_up pvh-cl
  check "destroy them" eval '"$X" destroy pvh-cl && xl destroy ref-cl && xl destroy ref-nocl'
else
  bad "xen-cpuid ($XEN_CPUID) is not there: the list form cannot be checked on real Xen"
fi

echo "== maxmem above memory (populate-on-demand, as xl)"
# One guest booting at a time: two at once on a loaded machine took longer
# than BOOT_S for the first (it came up later and answered its shutdown).
check "xlkit creates a PVH guest with memory 96, maxmem 160" "$X" create "$(cfg pvh-mm obedient maxmem=160)"
check "xlkit's guest comes up (it balloons down to its target)" wait_for "$BOOT_S" xs_up pvh-mm
check "xl creates the same config (the referee)" xl create -q "$(cfg ref-mm obedient maxmem=160)"
check "xl's guest comes up" wait_for "$BOOT_S" xs_up ref-mm
mem_of() { xl list -l "$1" 2>/dev/null | python3 -c '
import json, sys; b = json.load(sys.stdin)[0]["config"]["b_info"]; print(b["max_memkb"], b["target_memkb"])'; }
check "xl list -l: max and target memory of xlkit's guest are xl's (163840 98304)" \
  test "$(mem_of pvh-mm)/$(mem_of ref-mm)" = "163840 98304/163840 98304"
xs_mem() { local d; d=$(xl domid "$1"); echo "$(xenstore-read "/local/domain/$d/memory/static-max") $(xenstore-read "/local/domain/$d/memory/target")"; }
check "xenstore memory/static-max and target agree with xl's guest" test "$(xs_mem pvh-mm)" = "$(xs_mem ref-mm)"
check "shutdown -w: both power off" eval '"$X" shutdown -w pvh-mm && xl shutdown -w ref-mm'
check "they are gone" eval 'wait_gone pvh-mm && wait_gone ref-mm'

echo "== bad PVH configs fail cleanly"
"$X" create "$(cfg pvh-nopvh obedient)" kernel=\"/bin/sh\" > "$work/nopvh.out" 2>&1
check "a kernel without a PVH entry point: status 1" test $? = 1
check "  naming the missing ELF note" grep -q "has no PVH entry point (no ELF note XEN_ELFNOTE_PHYS32_ENTRY)" "$work/nopvh.out" \
  || cat "$work/nopvh.out"
"$X" create "$(cfg pvh-small obedient)" memory=64 > "$work/small.out" 2>&1
check "memory below what the kernel needs: status 1" test $? = 1
check "  saying how much it needs" grep -q "memory: 64 MiB is too little for a PVH guest" "$work/small.out" \
  || cat "$work/small.out"
"$X" create "$(cfg pvh-vnc obedient)" vnc=1 > "$work/vnc.out" 2>&1
check "an HVM-only key: status 1, named" grep -q "key 'vnc' applies to HVM guests only" "$work/vnc.out" \
  || cat "$work/vnc.out"
check "nothing left behind (no half-made domain)" only_dom0_and

echo "== reboots xlkit's monitors saw (the reboot check asks for one; any other is a guest that rebooted by itself)"
early_reboots
if [ "$fails" -ne 0 ]; then
  echo "== after the failure: xl list, the guests' consoles and monitors"
  xl list
  for f in /var/log/xen/console/guest-pvh-*.log /var/log/xen/console/guest-ref-pvh*.log /var/log/xlkit/pvh-*.log; do
    [ -e "$f" ] && { echo "-- $f"; tail -40 "$f"; }
  done
fi
echo "pvh_vm: $((checks - fails))/$checks checks passed"
[ "$fails" -eq 0 ]
