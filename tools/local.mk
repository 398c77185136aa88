# tools/: the CLI and hosts. Until the Xen layer exists, the main job is the
# event-core demo.
noinst_PROGRAMS += tools/xlkit-demo
tools_xlkit_demo_SOURCES = tools/demo/main.cpp
tools_xlkit_demo_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
tools_xlkit_demo_LDADD = libxlkit-internal.la
include tools/xlkit/local.mk
