# bench/: Google Benchmark, xlkit side by side with libev, libuv and the raw
# limit (docs/performance.md). Built on demand only: `make bench`.
#   bench/xlkit-bench [--smoke] [Google Benchmark options]
#   bench/compare.py results.json   (writes docs/performance.md and .svg)
EXTRA_PROGRAMS += bench/xlkit-bench
bench_xlkit_bench_SOURCES = \
	bench/main.cpp \
	bench/ao.cpp \
	bench/common.cpp \
	bench/impl_raw.cpp \
	bench/impl_xlkit.cpp \
	bench/impl_libev.cpp \
	bench/impl_libuv.cpp \
	bench/xen_watch.cpp \
	bench/xen_death.cpp \
	bench/xen_ops.cpp
noinst_HEADERS += bench/bench.hpp
# W_, X_, Y_ (bench/xen_*.cpp) start userspace sim hosts (docs/hosts.md)
# with the tests' sim host helpers (tests/support/sim_support.hpp).
bench_xlkit_bench_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS) $(BENCHMARK_CFLAGS) $(LIBUV_CFLAGS) \
	-I$(top_srcdir)/tests $(SIM_USER_CPPFLAGS)
bench_xlkit_bench_LDADD = libxlkit-internal.la $(BENCHMARK_LIBS) $(LIBUV_LIBS) $(LIBEV_LIBS) $(XEN_LIBS) -lpthread
EXTRA_bench_xlkit_bench_DEPENDENCIES = $(SIM_USER_DEPS)
EXTRA_DIST += bench/compare.py bench/results.json bench/results-xen.json
CLEANFILES += bench/xlkit-bench$(EXEEXT)

.PHONY: bench
if BUILD_BENCH
# Generated headers first (automake builds BUILT_SOURCES only for all/check/
# install), then the program.
bench: $(BUILT_SOURCES)
	$(MAKE) $(AM_MAKEFLAGS) bench/xlkit-bench$(EXEEXT)
else !BUILD_BENCH
# configure did not find Google Benchmark, libev or libuv (its summary says
# which).
bench:
	@echo "bench: not configured: configure found no Google Benchmark, libev or libuv" \
	  "(apt-get install libbenchmark-dev libev-dev libuv1-dev, then configure again)" >&2; exit 1
endif !BUILD_BENCH
