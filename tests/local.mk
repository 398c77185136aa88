# tests/: GoogleTest suites, run by `make check` through automake's harness.
# Each suite is built when configure found what it needs (its summary says
# which are skipped; --enable-all-suites makes a missing one an error).
noinst_HEADERS += tests/support/ctx_fixture.hpp tests/support/test_ops.hpp tests/support/modes.hpp \
	tests/support/watch_rec.hpp tests/support/pipe.hpp tests/support/sim_support.hpp \
	tests/support/xen_host.hpp tests/support/guest_agent.hpp tests/support/tiny_elf.hpp tests/capi/scenarios.h
EXTRA_DIST += tests/vm/cli_vm.sh tests/vm/devices_vm.sh tests/vm/pvh_vm.sh tests/vm/run.sh tests/vm/soak.sh tests/vm/save_vm.sh tests/vm/migrate_vm.sh \
	tests/vm/twobox.sh tests/vm/migrate_twobox.sh tests/vm/pvh_boot_loop.sh \
	tests/ops/data/fake-save-helper

if BUILD_GTEST_SUITES
check_PROGRAMS += tests/event-tests
TESTS += tests/event-tests
tests_event_tests_SOURCES = \
	tests/support/main.cpp \
	tests/event/timer_heap_test.cpp \
	tests/event/ev_time_test.cpp \
	tests/event/ev_immediate_test.cpp \
	tests/event/ev_fd_test.cpp \
	tests/event/loop_test.cpp \
	tests/event/osevent_test.cpp \
	tests/event/child_test.cpp \
	tests/event/ctx_test.cpp \
	tests/event/ctx_lock_test.cpp \
	tests/event/event_queue_test.cpp
tests_event_tests_CPPFLAGS = $(TEST_CPPFLAGS)
tests_event_tests_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/ao-tests
TESTS += tests/ao-tests
tests_ao_tests_SOURCES = \
	tests/support/main.cpp \
	tests/ao/ao_modes_test.cpp \
	tests/ao/closure_test.cpp \
	tests/ao/group_test.cpp \
	tests/ops/helper_run_test.cpp \
	tests/ops/save_format_test.cpp \
	tests/ops/helper_line_test.cpp \
	tests/ops/precopy_policy_test.cpp \
	tests/ops/config_json_test.cpp
tests_ao_tests_CPPFLAGS = $(TEST_CPPFLAGS)
tests_ao_tests_LDADD = $(TEST_LDADD)
endif BUILD_GTEST_SUITES

# The C API, embedded in three application event loops (C, not C++), linked
# against the installed-style shared library.
EMBED_CPPFLAGS = -I$(top_srcdir)/libxl/include -I$(top_builddir)/libxl/include $(XEN_CFLAGS)
EMBED_LDADD = libxlkit.la -lpthread
check_PROGRAMS += tests/embed-poll
TESTS += tests/embed-poll
tests_embed_poll_SOURCES = tests/capi/embed_poll.c tests/capi/scenarios.c
tests_embed_poll_CPPFLAGS = $(EMBED_CPPFLAGS)
tests_embed_poll_LDADD = $(EMBED_LDADD)
if BUILD_EMBED_LIBVIRT
check_PROGRAMS += tests/embed-libvirt
TESTS += tests/embed-libvirt
tests_embed_libvirt_SOURCES = tests/capi/embed_libvirt.c tests/capi/scenarios.c
tests_embed_libvirt_CPPFLAGS = $(EMBED_CPPFLAGS) $(LIBVIRT_CFLAGS)
tests_embed_libvirt_LDADD = $(EMBED_LDADD) $(LIBVIRT_LIBS)
endif BUILD_EMBED_LIBVIRT
if BUILD_EMBED_GLIB
check_PROGRAMS += tests/embed-glib
TESTS += tests/embed-glib
tests_embed_glib_SOURCES = tests/capi/embed_glib.c tests/capi/scenarios.c
tests_embed_glib_CPPFLAGS = $(EMBED_CPPFLAGS) $(GLIB_CFLAGS)
tests_embed_glib_LDADD = $(EMBED_LDADD) $(GLIB_LIBS)
endif BUILD_EMBED_GLIB

if BUILD_GTEST_SUITES
# The Xen layer on the userspace sim host (real xenstored, simulated
# hypervisor). tests/xen/xen_host_test.cpp, the behaviours every host shows,
# is compiled into this suite and into tests/xen-vm-tests, each with its own
# host (tests/support/xen_host.hpp).
check_PROGRAMS += tests/xen-sim-tests
TESTS += tests/xen-sim-tests
tests_xen_sim_tests_SOURCES = tests/support/main.cpp tests/xen/xen_host_test.cpp \
	tests/xen/xen_sim_test.cpp tests/ops/domain_ops_test.cpp tests/ops/device_ops_test.cpp \
	tests/ops/suspend_ops_test.cpp tests/ops/save_ops_test.cpp tests/ops/restore_ops_test.cpp \
	tests/ops/migrate_ops_test.cpp \
	tests/xen/acpi_pvh_test.cpp tests/xen/elf_probe_test.cpp tests/xen/cpuid_policy_test.cpp \
	tests/xen/xg_lazy_test.cpp tests/xen/xg_lazy_probe.c \
	tests/xen/xg_lazy_unloadable.c tests/xen/xg_lazy_foreign.c
tests_xen_sim_tests_CPPFLAGS = $(TEST_CPPFLAGS) $(SIM_USER_CPPFLAGS) \
	-DXLKIT_FAKE_SAVE_HELPER=\"$(abs_top_srcdir)/tests/ops/data/fake-save-helper\"
tests_xen_sim_tests_LDADD = $(TEST_LDADD) $(XEN_LIBS)
EXTRA_tests_xen_sim_tests_DEPENDENCIES = $(SIM_USER_DEPS)

# The Xen layer and the operations on real Xen 4.17, in dom0 of Xen in a box
# (scripts/test runs it there through tools/hosts/xenbox/xenbox, with
# tests/vm/cli_vm.sh). Built by `make check`, not run by it: outside a Xen
# dom0 every test fails rather than skips.
check_PROGRAMS += tests/xen-vm-tests
tests_xen_vm_tests_SOURCES = tests/support/main.cpp tests/xen/xen_host_test.cpp tests/vm/xen_vm_test.cpp \
	tests/vm/evtchn_unbound.c tests/vm/evtchn_unbound.h
tests_xen_vm_tests_CPPFLAGS = $(TEST_CPPFLAGS) $(SIM_USER_CPPFLAGS)
tests_xen_vm_tests_LDADD = $(TEST_LDADD) $(XEN_LIBS)
endif BUILD_GTEST_SUITES
