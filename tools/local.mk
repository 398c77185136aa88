# tools/: the CLI and hosts. Until the Xen layer exists, the main job is the
# event-core demo.
noinst_PROGRAMS += tools/xlkit-demo
tools_xlkit_demo_SOURCES = tools/demo/main.cpp
tools_xlkit_demo_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
tools_xlkit_demo_LDADD = libxlkit-internal.la
include tools/xlkit/local.mk

# The sim host's stand-in for a guest kernel (scripts/run --sim, tests).
noinst_PROGRAMS += tools/simguest/xlkit-sim-guest
tools_simguest_xlkit_sim_guest_SOURCES = tools/simguest/xlkit-sim-guest.c
tools_simguest_xlkit_sim_guest_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
tools_simguest_xlkit_sim_guest_LDADD = libxl/libxlkit-simstate.la $(XEN_LIBS)
