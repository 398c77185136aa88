# tools/xlkit: the xlkit CLI (xl's domain subcommands over the public API),
# its man page, bash completion and tests.

bin_PROGRAMS += tools/xlkit/xlkit
tools_xlkit_xlkit_SOURCES = \
	tools/xlkit/main.cpp \
	tools/xlkit/app.cpp \
	tools/xlkit/config.cpp \
	tools/xlkit/cmd_list.cpp \
	tools/xlkit/cmd_create.cpp \
	tools/xlkit/cmd_domain.cpp \
	tools/xlkit/cmd_events.cpp \
	tools/xlkit/cmd_device.cpp \
	tools/xlkit/cmd_save.cpp \
	tools/xlkit/cmd_restore.cpp \
	tools/xlkit/cmd_migrate.cpp \
	tools/xlkit/migrate_protocol.cpp \
	libxl/src/ops/save_format.cpp \
	tools/xlkit/xlcfg_load.c
noinst_HEADERS += tools/xlkit/cli.hpp tools/xlkit/config.hpp tools/xlkit/migrate_protocol.hpp tools/xlkit/xlcfg.h
tools_xlkit_xlkit_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS) -DXLKIT_PKGLIBDIR=\"$(pkglibdir)\"
# Public API only (the public headers; save_format.cpp, the file format with
# no library state, is compiled in: xl's header is the CLI's to write, as it
# is xl's). Linked statically against the library's objects, libstdc++ and
# libgcc: a one-shot command spends most of its CPU starting (mapping and
# relocating shared objects: every page-table update is a hypercall in a PV
# dom0), and these three were 0.4 of xl's whole start-up on top of it
# (docs/performance-vm.md, "Start-up"). Sanitizer builds link as usual.
tools_xlkit_xlkit_LDADD = libxlkit-internal.la $(XEN_LIBS) -ldl -lpthread
tools_xlkit_xlkit_LDFLAGS = $(AM_LDFLAGS) $(CLI_STATIC_LDFLAGS)

# Xen's config parser (libxlutil, and libxenlight under it), in a module the
# CLI loads for the commands that read a config (xlcfg.h).
pkglib_LTLIBRARIES = tools/xlkit/xlkit-xlcfg.la
tools_xlkit_xlkit_xlcfg_la_SOURCES = tools/xlkit/xlcfg.c
tools_xlkit_xlkit_xlcfg_la_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS) $(XLUTIL_CFLAGS)
tools_xlkit_xlkit_xlcfg_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -no-undefined
tools_xlkit_xlkit_xlcfg_la_LIBADD = $(XLUTIL_LIBS) -lxenlight

# The man page, and bash completion (installed under the command's name).
dist_man1_MANS = docs/xlkit.1
bashcompletiondir = $(datadir)/bash-completion/completions
nodist_bashcompletion_DATA = tools/xlkit/completion/xlkit
EXTRA_DIST += tools/xlkit/xlkit.bash-completion
CLEANFILES += tools/xlkit/completion/xlkit
tools/xlkit/completion/xlkit: $(srcdir)/tools/xlkit/xlkit.bash-completion
	$(AM_V_GEN)$(MKDIR_P) tools/xlkit/completion && cp $(srcdir)/tools/xlkit/xlkit.bash-completion $@

# The tests: every subcommand end to end on a sim host started per test,
# with a guest agent that plays the simulated domains' kernels (it links the
# simulated hypervisor's state library and libxenstore; the CLI itself does
# not). GoogleTest: built when configure found it.
noinst_HEADERS += tests/cli/cli_support.hpp
if BUILD_GTEST_SUITES
check_PROGRAMS += tests/cli-tests
TESTS += tests/cli-tests
# xl's migration protocol (migrate_protocol.cpp) is tested on its own too.
tests_cli_tests_SOURCES = tests/support/main.cpp tests/cli/cli_test.cpp tests/cli/pvh_kernel.cpp \
	tests/cli/migrate_protocol_test.cpp tools/xlkit/migrate_protocol.cpp
tests_cli_tests_CPPFLAGS = $(TEST_CPPFLAGS) $(SIM_USER_CPPFLAGS) \
	-DXLKIT_BIN=\"$(abs_top_builddir)/tools/xlkit/xlkit$(EXEEXT)\" \
	-DXLKIT_FAKE_SAVE_HELPER=\"$(abs_top_srcdir)/tests/ops/data/fake-save-helper\"
tests_cli_tests_LDADD = libxl/libxlkit-sim-hv.la $(GTEST_LIBS) $(XEN_LIBS) -lpthread
EXTRA_tests_cli_tests_DEPENDENCIES = tools/xlkit/xlkit$(EXEEXT) tools/xlkit/xlkit-xlcfg.la $(SIM_USER_DEPS)
endif BUILD_GTEST_SUITES

# Every object includes the generated <xlkit/_types.hpp>: make it first, also
# when a program is made directly (`make tools/xlkit/xlkit`).
$(tools_xlkit_xlkit_OBJECTS) $(tests_cli_tests_OBJECTS): libxl/include/xlkit/_types.h libxl/include/xlkit/_types.hpp
