# bench/vm/: xlkit against real libxl (Debian's libxenlight 4.17) and the
# xlkit CLI against xl, on real Xen in Xen in a box (docs/performance-vm.md).
# Built on demand only; libxenlight is linked by this benchmark, never by the
# library.
#   make bench-vm                 # build, boot the box, run bench/vm/run.sh
#   bench/vm/xlkit-vs-libxl lib|cli ...   (in dom0; see its header comment)
EXTRA_PROGRAMS += bench/vm/xlkit-vs-libxl
# With the libxenguest build of xen/ (as pvh-floor) for the create's floor,
# made in the same process; the library keeps its own copy hidden.
bench_vm_xlkit_vs_libxl_SOURCES = bench/vm/xlkit-vs-libxl.c libxl/src/xen/xc_shim.c libxl/src/xen/acpi_pvh.c \
	libxl/src/xen/elf_probe.c libxl/src/xen/xg_lazy.c
bench_vm_xlkit_vs_libxl_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS) $(XENLIGHT_CFLAGS) \
	-DXLKIT_XENGUEST_SONAME=\"$(XENGUEST_SONAME)\"
# The installed (public) library, as an embedder links it; -no-install: no
# libtool wrapper script, the binary runs from the build tree as it is.
bench_vm_xlkit_vs_libxl_LDADD = libxlkit.la $(XENLIGHT_LIBS) $(XEN_LIBS) -ldl
bench_vm_xlkit_vs_libxl_LDFLAGS = $(AM_LDFLAGS) -no-install
# pvh-floor: a PVH domain built with libxenguest and destroyed, nothing
# else: the CPU floor of a PVH create in both tools (bench/vm/pvh.py).
EXTRA_PROGRAMS += bench/vm/pvh-floor
# xc_shim.c reaches libxenguest through xg_lazy.c; pvh-floor loads it
# before its measured build, so its figure stays the build alone.
bench_vm_pvh_floor_SOURCES = bench/vm/pvh-floor.c libxl/src/xen/xc_shim.c libxl/src/xen/acpi_pvh.c \
	libxl/src/xen/elf_probe.c libxl/src/xen/xg_lazy.c
bench_vm_pvh_floor_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS) -DXLKIT_XENGUEST_SONAME=\"$(XENGUEST_SONAME)\"
bench_vm_pvh_floor_LDADD = $(XENGUEST_LIBS) $(XEN_LIBS) -ldl
bench_vm_pvh_floor_LDFLAGS = $(AM_LDFLAGS) -no-install
CLEANFILES += bench/vm/pvh-floor$(EXEEXT)
EXTRA_DIST += bench/vm/run.sh bench/vm/ab.sh bench/vm/devices.py bench/vm/pvh.py bench/vm/save.py bench/vm/syscalls.sh docs/performance-vm.md \
	bench/vm/ab-2026-12-05/a-1.json bench/vm/ab-2026-12-05/a-2.json \
	bench/vm/ab-2026-12-05/b-1.json bench/vm/ab-2026-12-05/b-2.json \
	bench/vm/results-lib.json bench/vm/results-cli.json \
	bench/vm/results-lib-run2.json bench/vm/results-cli-run2.json \
	bench/vm/results-devices-create.json bench/vm/results-devices-hotplug.json \
	bench/vm/results-save.json bench/vm/results-pvh.json
CLEANFILES += bench/vm/xlkit-vs-libxl$(EXEEXT)
# A live migration's downtime as the hypervisor sees it (bench/vm/migrate.py).
EXTRA_PROGRAMS += bench/vm/xlkit-downtime
bench_vm_xlkit_downtime_SOURCES = bench/vm/downtime.c
bench_vm_xlkit_downtime_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
bench_vm_xlkit_downtime_LDADD = $(XEN_LIBS)
CLEANFILES += bench/vm/xlkit-downtime$(EXEEXT)
EXTRA_DIST += bench/vm/migrate.py bench/vm/migrate_twohost.py bench/vm/dom0.py bench/vm/create_pieces.py
# The floors under a short command (bench/vm/create_pieces.py): a process
# that only loads libraries, and the cost of one trap of each kind.
EXTRA_PROGRAMS += bench/vm/dso-floor bench/vm/trap-costs
bench_vm_dso_floor_SOURCES = bench/vm/dso-floor.c
bench_vm_dso_floor_LDADD = -ldl
bench_vm_trap_costs_SOURCES = bench/vm/trap-costs.c
CLEANFILES += bench/vm/dso-floor$(EXEEXT) bench/vm/trap-costs$(EXEEXT)
# One xenstore read through libxenstore, with and without a watch on the
# handle (docs/xen.md: why requests and watches use two connections).
EXTRA_PROGRAMS += bench/vm/xs-request-cost
bench_vm_xs_request_cost_SOURCES = bench/vm/xs-request-cost.c
bench_vm_xs_request_cost_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
bench_vm_xs_request_cost_LDADD = $(XEN_LIBS)
CLEANFILES += bench/vm/xs-request-cost$(EXEEXT)

# XENBOX_FLAGS: extra options for xenbox (e.g. --verbose); BENCH_VM_ARGS:
# options for run.sh (e.g. --rounds 3 --runs 10). bench-vm-migrate's box
# may run an hour (a guest boot per row: 15 rows with --runs 3).
XENBOX_FLAGS =
BENCH_VM_ARGS =
# The CLI, and the config-parser module it loads (tools/xlkit/local.mk).
BENCH_VM_CLI = tools/xlkit/xlkit$(EXEEXT) tools/xlkit/xlkit-xlcfg.la
.PHONY: bench-vm bench-vm-build bench-vm-devices bench-vm-save bench-vm-migrate bench-vm-migrate-twohost bench-vm-pvh \
	bench-vm-pieces
bench-vm-build: $(BUILT_SOURCES)
	$(MAKE) $(AM_MAKEFLAGS) bench/vm/xlkit-vs-libxl$(EXEEXT) $(BENCH_VM_CLI) tools/save-helper/xlkit-save-helper$(EXEEXT)
bench-vm: bench-vm-build
	$(top_srcdir)/tools/hosts/xenbox/xenbox $(XENBOX_FLAGS) \
	    --share $(abs_top_srcdir) --share $(abs_builddir) -- \
	    $(abs_top_srcdir)/bench/vm/run.sh --builddir $(abs_builddir) \
	    --out $(abs_builddir)/bench/vm $(BENCH_VM_ARGS)

# Disks and nics: xlkit against xl, create with 1/4/16 disks and hot-plug
# (bench/vm/devices.py). The CLI binary itself, not its libtool wrapper.
bench-vm-devices: $(BUILT_SOURCES)
	$(MAKE) $(AM_MAKEFLAGS) $(BENCH_VM_CLI)
	$(top_srcdir)/tools/hosts/xenbox/xenbox $(XENBOX_FLAGS) \
	    --share $(abs_top_srcdir) --share $(abs_builddir) -- \
	    env LD_LIBRARY_PATH=$(abs_builddir)/.libs python3 $(abs_top_srcdir)/bench/vm/devices.py \
	    --xlkit $(abs_builddir)/tools/xlkit/xlkit --json $(abs_builddir)/bench/vm/results-devices.json $(BENCH_VM_ARGS)

# Save and restore: xlkit against xl on one guest (bench/vm/save.py).
bench-vm-save: $(BUILT_SOURCES)
	$(MAKE) $(AM_MAKEFLAGS) $(BENCH_VM_CLI) tools/save-helper/xlkit-save-helper$(EXEEXT) bench/vm/dso-floor$(EXEEXT)
	$(top_srcdir)/tools/hosts/xenbox/xenbox $(XENBOX_FLAGS) \
	    --share $(abs_top_srcdir) --share $(abs_builddir) -- \
	    env LD_LIBRARY_PATH=$(abs_builddir)/.libs python3 $(abs_top_srcdir)/bench/vm/save.py \
	    --xlkit $(abs_builddir)/tools/xlkit/xlkit --floor $(abs_builddir)/bench/vm/dso-floor \
	    --json $(abs_builddir)/bench/vm/results-save.json $(BENCH_VM_ARGS)

# Live migration to this host: xlkit against xl, idle and busy guest, total
# time and downtime (bench/vm/migrate.py).
bench-vm-migrate: $(BUILT_SOURCES)
	$(MAKE) $(AM_MAKEFLAGS) $(BENCH_VM_CLI) tools/save-helper/xlkit-save-helper$(EXEEXT) \
	    bench/vm/xlkit-downtime$(EXEEXT)
	$(top_srcdir)/tools/hosts/xenbox/xenbox --timeout 3600 $(XENBOX_FLAGS) \
	    --share $(abs_top_srcdir) --share $(abs_builddir) -- \
	    env LD_LIBRARY_PATH=$(abs_builddir)/.libs python3 $(abs_top_srcdir)/bench/vm/migrate.py \
	    --xlkit $(abs_builddir)/tools/xlkit/xlkit --downtime $(abs_builddir)/bench/vm/xlkit-downtime \
	    --json $(abs_builddir)/bench/vm/results-migrate.json $(BENCH_VM_ARGS)

# Live migration between two hosts (two boxes, tests/vm/twobox.sh): total
# time and downtime, the two hosts' clocks related (bench/vm/migrate_twohost.py).
bench-vm-migrate-twohost: $(BUILT_SOURCES)
	$(MAKE) $(AM_MAKEFLAGS) $(BENCH_VM_CLI) tools/save-helper/xlkit-save-helper$(EXEEXT) \
	    bench/vm/xlkit-downtime$(EXEEXT)
	python3 $(abs_top_srcdir)/bench/vm/migrate_twohost.py run \
	    --xlkit $(abs_builddir)/tools/xlkit/xlkit --downtime $(abs_builddir)/bench/vm/xlkit-downtime \
	    --json $(abs_builddir)/bench/vm/results-migrate-twohost.json \
	    --logs $(abs_builddir)/bench/vm/twohost-logs $(BENCH_VM_ARGS)

# PVH create and destroy: xlkit against xl, with the libxenguest floor
# (bench/vm/pvh.py, bench/vm/pvh-floor.c).
bench-vm-pvh: $(BUILT_SOURCES)
	$(MAKE) $(AM_MAKEFLAGS) $(BENCH_VM_CLI) bench/vm/pvh-floor$(EXEEXT)
	$(top_srcdir)/tools/hosts/xenbox/xenbox $(XENBOX_FLAGS) \
	    --share $(abs_top_srcdir) --share $(abs_builddir) -- \
	    env LD_LIBRARY_PATH=$(abs_builddir)/.libs python3 $(abs_top_srcdir)/bench/vm/pvh.py \
	    --xlkit $(abs_builddir)/tools/xlkit/xlkit --floor $(abs_builddir)/bench/vm/pvh-floor \
	    --json $(abs_builddir)/bench/vm/results-pvh.json $(BENCH_VM_ARGS)

# Where a PVH create's CPU goes, piece by piece, and the floors under it
# (bench/vm/create_pieces.py).
bench-vm-pieces: $(BUILT_SOURCES)
	$(MAKE) $(AM_MAKEFLAGS) $(BENCH_VM_CLI) bench/vm/dso-floor$(EXEEXT) bench/vm/trap-costs$(EXEEXT)
	$(top_srcdir)/tools/hosts/xenbox/xenbox $(XENBOX_FLAGS) \
	    --share $(abs_top_srcdir) --share $(abs_builddir) -- \
	    python3 $(abs_top_srcdir)/bench/vm/create_pieces.py $(abs_builddir) $(BENCH_VM_ARGS)
