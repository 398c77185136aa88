# tools/: programs over the library. The xlkit CLI (tools/xlkit/local.mk) is
# what the main job (scripts/run, scripts/scenario.sh) drives; the hosts have
# fragments of their own (tools/hosts/*/local.mk, included by Makefile.am).
# Here: the event-core demo (scripts/run --demo) and the sim guest.
noinst_PROGRAMS += tools/xlkit-demo
tools_xlkit_demo_SOURCES = tools/demo/main.cpp
tools_xlkit_demo_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
tools_xlkit_demo_LDADD = libxlkit-internal.la
include tools/xlkit/local.mk
include tools/save-helper/local.mk

# The sim host's stand-in for a guest kernel (scripts/run --sim, tests).
noinst_PROGRAMS += tools/simguest/xlkit-sim-guest
tools_simguest_xlkit_sim_guest_SOURCES = tools/simguest/xlkit-sim-guest.c
tools_simguest_xlkit_sim_guest_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
tools_simguest_xlkit_sim_guest_LDADD = libxl/libxlkit-sim-hv.la $(XEN_LIBS)
