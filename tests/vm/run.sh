#!/usr/bin/env bash
# Runs in dom0 of Xen in a box: the Xen-layer and operation tests
# (tests/xen-vm-tests), the CLI checks (tests/vm/cli_vm.sh), the PVH checks
# (tests/vm/pvh_vm.sh), the device checks (tests/vm/devices_vm.sh), the
# save checks (tests/vm/save_vm.sh) and the live migration checks
# (tests/vm/migrate_vm.sh) against real
# Xen 4.17. scripts/test starts it as:
#   tools/hosts/xenbox/xenbox --share TOP [--share BUILD] -- tests/vm/run.sh BUILD
# Exits non-zero if either part failed.
set -uo pipefail
B=$1
here=$(cd "$(dirname "$0")" && pwd)
status=0
# Guests a killed test left behind would slow every later one down.
leftovers() {
  xl list | awk 'NR > 2 && ($1 ~ /^(vm|cli|dev|ref|pvh|sv|mg)-/) { print $1 }' | while read -r n; do
    echo "destroying leftover guest $n"; xl destroy "$n"
  done
}
echo "== tests/xen-vm-tests (gtest) on $(xl info | awk '/^xen_version/ {print "Xen " $3}')"
# Guests boot under emulation here: seconds per test, not milliseconds, and
# more on a busy machine. The limit only stops a hung test.
XLKIT_TEST_TIMEOUT=${XLKIT_TEST_TIMEOUT:-600} "$B/tests/xen-vm-tests" || status=1
leftovers
echo "== tests/vm/cli_vm.sh"
bash "$here/cli_vm.sh" "$B/tools/xlkit/xlkit" || status=1
leftovers
echo "== tests/vm/pvh_vm.sh"
bash "$here/pvh_vm.sh" "$B/tools/xlkit/xlkit" || status=1
leftovers
echo "== tests/vm/devices_vm.sh"
bash "$here/devices_vm.sh" "$B/tools/xlkit/xlkit" || status=1
leftovers
echo "== tests/vm/save_vm.sh"
XLKIT_SAVE_HELPER="$B/tools/save-helper/xlkit-save-helper" bash "$here/save_vm.sh" "$B/tools/xlkit/xlkit" || status=1
leftovers
echo "== tests/vm/migrate_vm.sh"
XLKIT_SAVE_HELPER="$B/tools/save-helper/xlkit-save-helper" bash "$here/migrate_vm.sh" "$B/tools/xlkit/xlkit" || status=1
leftovers
if [ "$status" -ne 0 ]; then
  echo "== xl list and the hypervisor's log after the failure"
  xl list
  xl dmesg | tail -20
fi
exit "$status"
