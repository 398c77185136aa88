# tools/hosts/sim: the userspace sim host - the real C xenstored of
# xen-utils-4.17 as a plain process over xlkit's simulated hypervisor.
# See docs/hosts.md ("Userspace sim host").

# The shared simulated-hypervisor state, for xlkit's sim backend, the tools
# and the tests.
noinst_LTLIBRARIES += tools/hosts/sim/libxlkit-simstate.la
tools_hosts_sim_libxlkit_simstate_la_SOURCES = tools/hosts/sim/simstate.c
tools_hosts_sim_libxlkit_simstate_la_LIBADD = -lpthread
noinst_HEADERS += tools/hosts/sim/simstate.h

