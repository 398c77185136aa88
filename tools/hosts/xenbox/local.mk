# tools/hosts/xenbox: Xen in a box (real Xen 4.17 + a Debian PV dom0 under
# qemu). Scripts only: nothing to build; shipped in the tarball.
EXTRA_DIST += tools/hosts/xenbox/xenbox tools/hosts/xenbox/selftest.sh
