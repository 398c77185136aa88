# idl/: the IDL and its generators (docs/idl.md).
#
# idl/gentypes.py turns idl/xlkit_types.idl into the C ABI and the C++ value
# types; idl/gentest.py into a round-trip test and the fuzz table. Everything
# generated goes into the build tree with a leading underscore, is never
# committed, and is remade when the .idl or any generator module changes.
# One generator run writes several files: it is recorded by a stamp, and each
# output depends on the stamp (the automake manual's "multiple outputs" recipe).

IDL_RUN = PYTHONDONTWRITEBYTECODE=1 $(PYTHON)
IDL_MODEL = $(srcdir)/idl/idl.py $(srcdir)/idl/genlib.py
IDL_GENTYPES_DEPS = $(IDL_MODEL) $(srcdir)/idl/gentypes.py
IDL_GENTEST_DEPS = $(IDL_MODEL) $(srcdir)/idl/gentest.py

EXTRA_DIST += idl/idl.py idl/genlib.py idl/gentypes.py idl/xlkit_types.idl

# ---- xlkit's own types: into the library and the installed headers ----------------

idl_types_outputs = \
	libxl/include/xlkit/_types.h \
	libxl/include/xlkit/_types.hpp \
	libxl/src/idl/_types_internal.hpp \
	libxl/src/idl/_types.cpp \
	libxl/src/idl/_types_c.cpp

idl/_types.stamp: $(srcdir)/idl/xlkit_types.idl $(IDL_GENTYPES_DEPS)
	@$(MKDIR_P) idl libxl/include/xlkit libxl/src/idl
	$(AM_V_GEN)$(IDL_RUN) $(srcdir)/idl/gentypes.py $(srcdir)/idl/xlkit_types.idl \
	  --c-header libxl/include/xlkit/_types.h:xlkit/_types.h \
	  --cxx-header libxl/include/xlkit/_types.hpp:xlkit/_types.hpp \
	  --internal-header libxl/src/idl/_types_internal.hpp:idl/_types_internal.hpp \
	  --cxx-impl libxl/src/idl/_types.cpp \
	  --c-impl libxl/src/idl/_types_c.cpp
	@touch $@

$(idl_types_outputs): idl/_types.stamp
	@test -f $@ || rm -f idl/_types.stamp
	@test -f $@ || $(MAKE) $(AM_MAKEFLAGS) idl/_types.stamp

libxlkit_internal_la_SOURCES += \
	libxl/src/idl/boost_json.cpp \
	libxl/src/idl/runtime.cpp \
	libxl/src/idl/uuid.cpp
nodist_libxlkit_internal_la_SOURCES += \
	libxl/src/idl/_types.cpp \
	libxl/src/idl/_types_c.cpp \
	libxl/src/idl/_types_internal.hpp
noinst_HEADERS += libxl/src/idl/runtime.hpp
xlkitinclude_HEADERS += libxl/include/xlkit/types.h libxl/include/xlkit/types.hpp
nodist_xlkitinclude_HEADERS += libxl/include/xlkit/_types.h libxl/include/xlkit/_types.hpp
BUILT_SOURCES += libxl/include/xlkit/_types.h libxl/include/xlkit/_types.hpp \
	libxl/src/idl/_types_internal.hpp
CLEANFILES += $(idl_types_outputs) idl/_types.stamp

# xlkit/error.hpp (included by everything) includes the generated header, so
# every object waits for it even when a single program is made directly
# (`make tests/event-tests`), before dependency tracking knows about it.
$(libxlkit_internal_la_OBJECTS) $(libxlkit_la_OBJECTS) $(tests_event_tests_OBJECTS) \
$(tests_ao_tests_OBJECTS) $(tests_sim_host_tests_OBJECTS) $(tests_embed_poll_OBJECTS) \
$(tests_embed_libvirt_OBJECTS) $(tests_embed_glib_OBJECTS) $(tools_xlkit_demo_OBJECTS) \
$(tools_hosts_sim_xlkit_sim_OBJECTS) $(tools_hosts_sim_xlkit_sim_host_OBJECTS) \
$(tools_hosts_sim_libxlkit_simstate_la_OBJECTS) $(tools_hosts_sim_xlkit_sim_preload_la_OBJECTS) \
$(bench_xlkit_bench_OBJECTS): \
	libxl/include/xlkit/_types.h libxl/include/xlkit/_types.hpp libxl/src/idl/_types_internal.hpp
