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

EXTRA_DIST += \
	docs/idl.md idl/idl.py idl/genlib.py idl/gentypes.py idl/gentest.py idl/xlkit_types.idl \
	tests/idl/xlkt_types.idl tests/idl/idl_parser_test.py \
	tests/fuzz/run.sh tests/fuzz/fuzz_from_json.cpp tests/fuzz/corpus

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
$(libxl_libxlkit_sim_hv_la_OBJECTS) $(tools_hosts_sim_xlkit_sim_preload_la_OBJECTS) \
$(bench_xlkit_bench_OBJECTS) $(tests_idl_tests_OBJECTS): \
	libxl/include/xlkit/_types.h libxl/include/xlkit/_types.hpp libxl/src/idl/_types_internal.hpp

# ---- tests ---------------------------------------------------------------------------

idl_xlkt_outputs = \
	tests/idl/_xlkt_types.h \
	tests/idl/_xlkt_types.hpp \
	tests/idl/_xlkt_types_internal.hpp \
	tests/idl/_xlkt_types.cpp \
	tests/idl/_xlkt_types_c.cpp

# The test IDL (every constructor and option), generated like xlkit's.
tests/idl/_xlkt_types.stamp: $(srcdir)/tests/idl/xlkt_types.idl $(IDL_GENTYPES_DEPS)
	@$(MKDIR_P) tests/idl
	$(AM_V_GEN)$(IDL_RUN) $(srcdir)/idl/gentypes.py $(srcdir)/tests/idl/xlkt_types.idl \
	  --c-header tests/idl/_xlkt_types.h:idl/_xlkt_types.h \
	  --cxx-header tests/idl/_xlkt_types.hpp:idl/_xlkt_types.hpp \
	  --internal-header tests/idl/_xlkt_types_internal.hpp:idl/_xlkt_types_internal.hpp \
	  --cxx-impl tests/idl/_xlkt_types.cpp \
	  --c-impl tests/idl/_xlkt_types_c.cpp
	@touch $@

$(idl_xlkt_outputs): tests/idl/_xlkt_types.stamp
	@test -f $@ || rm -f tests/idl/_xlkt_types.stamp
	@test -f $@ || $(MAKE) $(AM_MAKEFLAGS) tests/idl/_xlkt_types.stamp

# gentest.py: the round-trip tests and the fuzz tables, one run per IDL.
idl_gentest_outputs = tests/idl/_types_test.cpp tests/fuzz/_xlkit_types_fuzz.cpp
tests/idl/_types_test.stamp: $(srcdir)/idl/xlkit_types.idl $(IDL_GENTEST_DEPS)
	@$(MKDIR_P) tests/idl tests/fuzz
	$(AM_V_GEN)$(IDL_RUN) $(srcdir)/idl/gentest.py $(srcdir)/idl/xlkit_types.idl \
	  --c-header xlkit/_types.h --cxx-header xlkit/_types.hpp \
	  --internal-header idl/_types_internal.hpp \
	  --test tests/idl/_types_test.cpp --fuzz tests/fuzz/_xlkit_types_fuzz.cpp
	@touch $@

$(idl_gentest_outputs): tests/idl/_types_test.stamp
	@test -f $@ || rm -f tests/idl/_types_test.stamp
	@test -f $@ || $(MAKE) $(AM_MAKEFLAGS) tests/idl/_types_test.stamp

idl_xlkt_gentest_outputs = tests/idl/_xlkt_types_test.cpp tests/fuzz/_xlkt_types_fuzz.cpp
tests/idl/_xlkt_types_test.stamp: $(srcdir)/tests/idl/xlkt_types.idl $(IDL_GENTEST_DEPS)
	@$(MKDIR_P) tests/idl tests/fuzz
	$(AM_V_GEN)$(IDL_RUN) $(srcdir)/idl/gentest.py $(srcdir)/tests/idl/xlkt_types.idl \
	  --c-header idl/_xlkt_types.h --cxx-header idl/_xlkt_types.hpp \
	  --internal-header idl/_xlkt_types_internal.hpp \
	  --test tests/idl/_xlkt_types_test.cpp --fuzz tests/fuzz/_xlkt_types_fuzz.cpp
	@touch $@

$(idl_xlkt_gentest_outputs): tests/idl/_xlkt_types_test.stamp
	@test -f $@ || rm -f tests/idl/_xlkt_types_test.stamp
	@test -f $@ || $(MAKE) $(AM_MAKEFLAGS) tests/idl/_xlkt_types_test.stamp

TESTS += tests/idl/idl_parser_test.py
if BUILD_GTEST_SUITES
check_PROGRAMS += tests/idl-tests
TESTS += tests/idl-tests
tests_idl_tests_SOURCES = \
	tests/support/main.cpp \
	tests/idl/gen_support.hpp \
	tests/idl/json_test.cpp \
	tests/idl/c_api_test.cpp \
	tests/idl/c_api_c.c \
	tests/idl/c_api_c.h \
	tests/idl/constructs_test.cpp
nodist_tests_idl_tests_SOURCES = \
	tests/idl/_types_test.cpp \
	$(idl_xlkt_outputs) \
	tests/idl/_xlkt_types_test.cpp
tests_idl_tests_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_builddir)/tests
tests_idl_tests_LDADD = $(TEST_LDADD)
BUILT_SOURCES += tests/idl/_xlkt_types.h tests/idl/_xlkt_types.hpp tests/idl/_xlkt_types_internal.hpp
$(tests_idl_tests_OBJECTS): tests/idl/_xlkt_types.h tests/idl/_xlkt_types.hpp \
	tests/idl/_xlkt_types_internal.hpp
endif BUILD_GTEST_SUITES
CLEANFILES += $(idl_xlkt_outputs) $(idl_gentest_outputs) $(idl_xlkt_gentest_outputs) \
	tests/idl/_xlkt_types.stamp tests/idl/_types_test.stamp tests/idl/_xlkt_types_test.stamp

# ---- the fuzz target (libFuzzer; built and run by tests/fuzz/run.sh) -------------------
# clang++ with libFuzzer, ASan and UBSan over every from_json. It needs only
# the IDL's code, not the rest of the library, and is not part of `make
# check`: `make tests/fuzz/xlkit-fuzz` builds it, one object per source so
# that make -j and rebuilds help. Boost.JSON's own implementation is
# instrumented for coverage only (it is by far the slowest file to compile
# with the sanitizers); every xlkit file gets ASan and UBSan.

IDL_FUZZ_CXX = $(CLANGXX) -std=c++20 -O1 -gline-tables-only $(WARN_CXXFLAGS) $(DEFS) $(DEFAULT_INCLUDES) \
	$(AM_CPPFLAGS) -I$(top_builddir)/tests -I$(top_srcdir)/tests
IDL_FUZZ_SAN = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
IDL_FUZZ_DEPS = $(srcdir)/libxl/src/idl/runtime.hpp $(srcdir)/tests/fuzz/fuzz_support.hpp \
	$(idl_types_outputs) $(idl_xlkt_outputs)
IDL_FUZZ_OBJS = \
	tests/fuzz/boost_json.o tests/fuzz/runtime.o tests/fuzz/uuid.o \
	tests/fuzz/types.o tests/fuzz/types_c.o tests/fuzz/xlkt_types.o tests/fuzz/xlkt_types_c.o \
	tests/fuzz/xlkit_types_fuzz.o tests/fuzz/xlkt_types_fuzz.o tests/fuzz/fuzz_from_json.o
EXTRA_DIST += tests/fuzz/fuzz_support.hpp

if BUILD_FUZZ
idl-fuzz-check-clang:
	@$(MKDIR_P) tests/fuzz
else !BUILD_FUZZ
idl-fuzz-check-clang:
	@echo "tests/fuzz: not configured: configure found no clang++ that links libFuzzer targets" \
	  "(apt-get install clang libclang-rt-14-dev, then configure again)" >&2; exit 1
endif !BUILD_FUZZ
.PHONY: idl-fuzz-check-clang

tests/fuzz/boost_json.o: $(srcdir)/libxl/src/idl/boost_json.cpp | idl-fuzz-check-clang
	$(AM_V_CXX)$(IDL_FUZZ_CXX) -fsanitize=fuzzer-no-link -c -o $@ $(srcdir)/libxl/src/idl/boost_json.cpp
tests/fuzz/runtime.o: $(srcdir)/libxl/src/idl/runtime.cpp $(IDL_FUZZ_DEPS) | idl-fuzz-check-clang
	$(AM_V_CXX)$(IDL_FUZZ_CXX) $(IDL_FUZZ_SAN) -c -o $@ $(srcdir)/libxl/src/idl/runtime.cpp
tests/fuzz/uuid.o: $(srcdir)/libxl/src/idl/uuid.cpp $(IDL_FUZZ_DEPS) | idl-fuzz-check-clang
	$(AM_V_CXX)$(IDL_FUZZ_CXX) $(IDL_FUZZ_SAN) -c -o $@ $(srcdir)/libxl/src/idl/uuid.cpp
tests/fuzz/types.o: libxl/src/idl/_types.cpp $(IDL_FUZZ_DEPS) | idl-fuzz-check-clang
	$(AM_V_CXX)$(IDL_FUZZ_CXX) $(IDL_FUZZ_SAN) -c -o $@ libxl/src/idl/_types.cpp
tests/fuzz/types_c.o: libxl/src/idl/_types_c.cpp $(IDL_FUZZ_DEPS) | idl-fuzz-check-clang
	$(AM_V_CXX)$(IDL_FUZZ_CXX) $(IDL_FUZZ_SAN) -c -o $@ libxl/src/idl/_types_c.cpp
tests/fuzz/xlkt_types.o: tests/idl/_xlkt_types.cpp $(IDL_FUZZ_DEPS) | idl-fuzz-check-clang
	$(AM_V_CXX)$(IDL_FUZZ_CXX) $(IDL_FUZZ_SAN) -c -o $@ tests/idl/_xlkt_types.cpp
tests/fuzz/xlkt_types_c.o: tests/idl/_xlkt_types_c.cpp $(IDL_FUZZ_DEPS) | idl-fuzz-check-clang
	$(AM_V_CXX)$(IDL_FUZZ_CXX) $(IDL_FUZZ_SAN) -c -o $@ tests/idl/_xlkt_types_c.cpp
tests/fuzz/xlkit_types_fuzz.o: tests/fuzz/_xlkit_types_fuzz.cpp $(IDL_FUZZ_DEPS) | idl-fuzz-check-clang
	$(AM_V_CXX)$(IDL_FUZZ_CXX) $(IDL_FUZZ_SAN) -c -o $@ tests/fuzz/_xlkit_types_fuzz.cpp
tests/fuzz/xlkt_types_fuzz.o: tests/fuzz/_xlkt_types_fuzz.cpp $(IDL_FUZZ_DEPS) | idl-fuzz-check-clang
	$(AM_V_CXX)$(IDL_FUZZ_CXX) $(IDL_FUZZ_SAN) -c -o $@ tests/fuzz/_xlkt_types_fuzz.cpp
tests/fuzz/fuzz_from_json.o: $(srcdir)/tests/fuzz/fuzz_from_json.cpp $(IDL_FUZZ_DEPS) | idl-fuzz-check-clang
	$(AM_V_CXX)$(IDL_FUZZ_CXX) $(IDL_FUZZ_SAN) -c -o $@ $(srcdir)/tests/fuzz/fuzz_from_json.cpp

tests/fuzz/xlkit-fuzz: $(IDL_FUZZ_OBJS)
	$(AM_V_CXXLD)$(CLANGXX) -fsanitize=fuzzer,address,undefined -o $@ $(IDL_FUZZ_OBJS)
CLEANFILES += tests/fuzz/xlkit-fuzz $(IDL_FUZZ_OBJS)
