# tools/hosts/sim: the userspace sim host - the real C xenstored of
# xen-utils-4.17 as a plain process over xlkit's simulated hypervisor.
# See docs/hosts.md ("Userspace sim host").

SIM_BUILDDIR = $(abs_top_builddir)/tools/hosts/sim
# The stand-in as a real shared object (libtool keeps it in .libs/).
SIM_PRELOAD_SO = $(SIM_BUILDDIR)/.libs/xlkit-sim-preload.so
# For the tests and benchmarks that start sim hosts
# (tests/support/sim_support.hpp): where its programs are, and that they are
# built first.
# The simulated backends, and the folder of the hotplug scripts (in the
# build tree: made from the .in files of the source tree).
SIM_BACKEND_BIN = $(SIM_BUILDDIR)/xlkit-sim-backend$(EXEEXT)
SIM_HOTPLUG_DIR = $(SIM_BUILDDIR)/hotplug
SIM_USER_CPPFLAGS = \
	-DSIM_PRELOAD=\"$(SIM_PRELOAD_SO)\" \
	-DSIM_HOST_BIN=\"$(SIM_BUILDDIR)/xlkit-sim-host$(EXEEXT)\" \
	-DSIM_CLI_BIN=\"$(SIM_BUILDDIR)/xlkit-sim$(EXEEXT)\" \
	-DSIM_BACKEND_BIN=\"$(SIM_BACKEND_BIN)\" \
	-DSIM_HOTPLUG_DIR=\"$(SIM_HOTPLUG_DIR)\"
SIM_HOTPLUG_FILES = \
	tools/hosts/sim/hotplug/sim-common.sh \
	tools/hosts/sim/hotplug/block \
	tools/hosts/sim/hotplug/vif-bridge \
	tools/hosts/sim/hotplug/hang
SIM_USER_DEPS = tools/hosts/sim/xlkit-sim-host$(EXEEXT) tools/hosts/sim/xlkit-sim$(EXEEXT) \
	tools/hosts/sim/xlkit-sim-backend$(EXEEXT) tools/hosts/sim/xlkit-sim-preload.la \
	$(SIM_HOTPLUG_FILES)

# The simulated hypervisor's shared state is the library's
# (libxl/src/xen/sim_hv.h, libxl/libxlkit-sim-hv.la): the programs here
# use it, the library uses nothing of theirs.

# The LD_PRELOAD stand-in loaded into xenstored: a module (-rpath makes
# libtool build a shared object although it is not installed), built with
# its own copy of the library's sim_hv.c and never with sanitizers
# (xenstored is not).
noinst_LTLIBRARIES += tools/hosts/sim/xlkit-sim-preload.la
tools_hosts_sim_xlkit_sim_preload_la_SOURCES = tools/hosts/sim/preload.c libxl/src/xen/sim_hv.c
tools_hosts_sim_xlkit_sim_preload_la_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
tools_hosts_sim_xlkit_sim_preload_la_CFLAGS = $(WARN_CFLAGS) -fvisibility=hidden
tools_hosts_sim_xlkit_sim_preload_la_LDFLAGS = -module -avoid-version -shared -no-undefined \
	-rpath $(SIM_BUILDDIR)
tools_hosts_sim_xlkit_sim_preload_la_LIBADD = -lpthread

# xlkit-sim-host start|stop|status|env, the simulated device backends it
# runs, and the xlkit-sim CLI.
noinst_PROGRAMS += tools/hosts/sim/xlkit-sim-host tools/hosts/sim/xlkit-sim \
	tools/hosts/sim/xlkit-sim-backend
tools_hosts_sim_xlkit_sim_host_SOURCES = tools/hosts/sim/host.c
tools_hosts_sim_xlkit_sim_host_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS) \
	-DSIM_PRELOAD=\"$(SIM_PRELOAD_SO)\" -DSIM_BACKEND_BIN=\"$(SIM_BACKEND_BIN)\" \
	-DSIM_HOTPLUG_DIR=\"$(SIM_HOTPLUG_DIR)\"
tools_hosts_sim_xlkit_sim_host_LDADD = libxl/libxlkit-sim-hv.la $(XEN_LIBS)
# A host is useless without its scripts: building it makes them.
EXTRA_tools_hosts_sim_xlkit_sim_host_DEPENDENCIES = $(SIM_HOTPLUG_FILES)
tools_hosts_sim_xlkit_sim_backend_SOURCES = tools/hosts/sim/backend.c
tools_hosts_sim_xlkit_sim_backend_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
tools_hosts_sim_xlkit_sim_backend_LDADD = libxl/libxlkit-sim-hv.la $(XEN_LIBS)
tools_hosts_sim_xlkit_sim_SOURCES = tools/hosts/sim/cli.c
tools_hosts_sim_xlkit_sim_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
tools_hosts_sim_xlkit_sim_LDADD = libxl/libxlkit-sim-hv.la $(XEN_LIBS)

# The hotplug scripts: copied from the source tree into the build tree (the
# .in suffix keeps them apart in an in-tree build), executable, read-only
# so that edits go to the .in files.
EXTRA_DIST += $(SIM_HOTPLUG_FILES:=.in)
CLEANFILES += $(SIM_HOTPLUG_FILES)
sim_hotplug_gen = $(AM_V_GEN)$(MKDIR_P) $(@D) && rm -f $@ $@.tmp && \
	cp $(srcdir)/$@.in $@.tmp && chmod 555 $@.tmp && mv -f $@.tmp $@
tools/hosts/sim/hotplug/sim-common.sh: $(srcdir)/tools/hosts/sim/hotplug/sim-common.sh.in
	$(sim_hotplug_gen)
tools/hosts/sim/hotplug/block: $(srcdir)/tools/hosts/sim/hotplug/block.in
	$(sim_hotplug_gen)
tools/hosts/sim/hotplug/vif-bridge: $(srcdir)/tools/hosts/sim/hotplug/vif-bridge.in
	$(sim_hotplug_gen)
tools/hosts/sim/hotplug/hang: $(srcdir)/tools/hosts/sim/hotplug/hang.in
	$(sim_hotplug_gen)

# Tests: the shared state alone, then hosts driven through the real
# libxenstore (GoogleTest: built when configure found it).
noinst_HEADERS += tools/hosts/sim/tests/standin_probe.h tools/hosts/sim/tests/device_support.hpp
if BUILD_GTEST_SUITES
check_PROGRAMS += tests/sim-host-tests
TESTS += tests/sim-host-tests
tests_sim_host_tests_SOURCES = \
	tests/support/main.cpp \
	tools/hosts/sim/tests/sim_hv_test.cpp \
	tools/hosts/sim/tests/host_test.cpp \
	tools/hosts/sim/tests/backend_test.cpp \
	tools/hosts/sim/tests/hotplug_test.cpp \
	tools/hosts/sim/tests/standin_probe.c
tests_sim_host_tests_CPPFLAGS = $(TEST_CPPFLAGS) $(SIM_USER_CPPFLAGS)
tests_sim_host_tests_LDADD = libxl/libxlkit-sim-hv.la $(GTEST_LIBS) $(XEN_LIBS) \
	-ldl -lpthread
EXTRA_tests_sim_host_tests_DEPENDENCIES = $(SIM_USER_DEPS)
endif BUILD_GTEST_SUITES

EXTRA_DIST += docs/hosts.md
