# tools/hosts/xenbox: Xen in a box (real Xen 4.17 + a Debian PV dom0 under
# qemu; docs/hosts.md). Scripts and guest files only: nothing to build.
EXTRA_DIST += tools/hosts/xenbox/xenbox tools/hosts/xenbox/selftest.sh \
	tools/hosts/xenbox/selftest-devices.sh \
	tools/hosts/xenbox/guests/rc tools/hosts/xenbox/guests/stubborn-init \
	tools/hosts/xenbox/guests/inittab.obedient tools/hosts/xenbox/guests/inittab.poweroff \
	tools/hosts/xenbox/guests/poweroff.cfg tools/hosts/xenbox/guests/obedient.cfg \
	tools/hosts/xenbox/guests/stubborn.cfg
