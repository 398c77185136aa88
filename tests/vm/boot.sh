# Sourced by the VM-tier scripts: waiting for a guest that a test needs
# running but whose boot is not what it tests.
#
# Under QEMU's emulated SVM a PVH guest sometimes triple-faults in its first
# seconds, whichever toolstack built it (docs/ops.md, "Known: ... triple-fault
# at boot under emulation"): Xen logs "dNvM Triple fault" and shuts it down
# with reason reboot. For such a set-up boot, boot_up retries once and says
# so; any other failure to come up still fails the check. The tests of the
# boot itself (tests/vm/pvh_vm.sh) do not use it.

# triple_faulted DOMID: the hypervisor's log has a triple fault of that domain.
triple_faulted() { xl dmesg 2>/dev/null | grep -Eq "[^0-9A-Za-z]d$1v[0-9]+ Triple fault"; }

# renamed_from NAME DOMID: NAME is a domain other than DOMID (a monitor with
# on_reboot = "restart" has started it again).
renamed_from() { local n; n=$(xl domid "$1" 2>/dev/null) && [ "$n" != "$2" ]; }
boot_domid_gone() { ! xl list | awk 'NR > 1 { print $2 }' | grep -qx "$1"; }
# boot_poll SECONDS COMMAND...: polled until it succeeds.
boot_poll() {
  local end=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.2; done
}

# boot_up SECONDS NAME UP CREATE...: waits (polled, bounded by SECONDS) until
# `UP NAME` succeeds. If meanwhile NAME's domain triple-faulted: when its
# monitor has restarted it, waits for that one; else destroys the dead domain
# (with $X destroy if X is set, else xl's) and runs CREATE... once more.
# Retries once: a second triple fault fails.
boot_up() {
  local secs=$1 name=$2 up=$3; shift 3
  local d end retried=0 destroy=(xl destroy)
  [ -n "${X:-}" ] && destroy=("$X" destroy)
  d=$(xl domid "$name" 2>/dev/null)
  end=$(( $(date +%s) + secs ))
  until "$up" "$name"; do
    [ "$(date +%s)" -lt "$end" ] || return 1
    if [ "$retried" = 0 ] && [ -n "$d" ] && triple_faulted "$d"; then
      retried=1
      echo "     $name (domain $d) triple-faulted at boot (QEMU's emulated SVM, docs/ops.md); booting it once more"
      if boot_poll 15 renamed_from "$name" "$d"; then
        d=$(xl domid "$name" 2>/dev/null)
        echo "     its monitor restarted it as domain $d"
      else
        "${destroy[@]}" "$d" >/dev/null 2>&1
        boot_poll 60 boot_domid_gone "$d" || return 1
        "$@" >/dev/null 2>&1 || return 1
        d=$(xl domid "$name" 2>/dev/null)
        echo "     created again as domain ${d:-none}"
      fi
    fi
    sleep 0.2
  done
}
