# libxl/: the library, every layer (bottom up: event core, ao, Xen,
# operations, C API; docs/design.md), compiled into libxlkit-internal.la
# (Makefile.am), and its installed headers. It includes and links nothing of
# tools/, tests/ or bench/. The IDL-generated types are added by idl/local.mk.
libxlkit_internal_la_SOURCES += \
	libxl/src/ao/abort.cpp \
	libxl/src/ao/ao.cpp \
	libxl/src/ao/ao_events.cpp \
	libxl/src/ao/block_cache.cpp \
	libxl/src/ao/group.cpp \
	libxl/src/ao/progress.cpp \
	libxl/src/capi/ao.cpp \
	libxl/src/capi/ctx.cpp \
	libxl/src/capi/device.cpp \
	libxl/src/capi/domain.cpp \
	libxl/src/capi/events.cpp \
	libxl/src/capi/migrate.cpp \
	libxl/src/event/atfork.cpp \
	libxl/src/event/child.cpp \
	libxl/src/event/ctx.cpp \
	libxl/src/event/egc.cpp \
	libxl/src/event/event_queue.cpp \
	libxl/src/event/fd.cpp \
	libxl/src/event/immediate.cpp \
	libxl/src/event/log.cpp \
	libxl/src/event/loop.cpp \
	libxl/src/event/osevent.cpp \
	libxl/src/event/time.cpp \
	libxl/src/ops/child_run.cpp \
	libxl/src/ops/config_json.cpp \
	libxl/src/ops/create.cpp \
	libxl/src/ops/destroy.cpp \
	libxl/src/ops/device.cpp \
	libxl/src/ops/device_disk.cpp \
	libxl/src/ops/device_native.cpp \
	libxl/src/ops/device_nic.cpp \
	libxl/src/ops/device_ops.cpp \
	libxl/src/ops/guest_suspend.cpp \
	libxl/src/ops/helper_reply.cpp \
	libxl/src/ops/helper_run.cpp \
	libxl/src/ops/list.cpp \
	libxl/src/ops/migrate_handshake.cpp \
	libxl/src/ops/migrate_receive.cpp \
	libxl/src/ops/migrate_send.cpp \
	libxl/src/ops/op_util.cpp \
	libxl/src/ops/pause.cpp \
	libxl/src/ops/restore.cpp \
	libxl/src/ops/restore_stream.cpp \
	libxl/src/ops/save.cpp \
	libxl/src/ops/save_format.cpp \
	libxl/src/ops/shutdown.cpp \
	libxl/src/ops/stacks.cpp \
	libxl/src/ops/suspend.cpp \
	libxl/src/ops/userdata.cpp \
	libxl/src/ops/wait_death.cpp \
	libxl/src/xen/acpi_pvh.c \
	libxl/src/xen/cpuid_policy.cpp \
	libxl/src/xen/disk_eject.cpp \
	libxl/src/xen/domain_death.cpp \
	libxl/src/xen/domain_names.cpp \
	libxl/src/xen/elf_probe.c \
	libxl/src/xen/filters.cpp \
	libxl/src/xen/hv_sim.cpp \
	libxl/src/xen/hv_xenctrl.cpp \
	libxl/src/xen/xc_shim.c \
	libxl/src/xen/xg_lazy.c \
	libxl/src/xen/xen_ctx.cpp \
	libxl/src/xen/xs_libxenstore.cpp \
	libxl/src/xen/xswait.cpp
noinst_HEADERS += \
	libxl/src/ao/ao.hpp \
	libxl/src/ao/ao_start.hpp \
	libxl/src/ao/ao_events.hpp \
	libxl/src/ao/block_cache.hpp \
	libxl/src/ao/progress.hpp \
	libxl/src/capi/capi.hpp \
	libxl/src/event/child_signal.hpp \
	libxl/src/event/clock.hpp \
	libxl/src/event/ctx_impl.hpp \
	libxl/src/event/ctx_lock.hpp \
	libxl/src/event/egc.hpp \
	libxl/src/event/ev_child.hpp \
	libxl/src/event/ev_fd.hpp \
	libxl/src/event/ev_immediate.hpp \
	libxl/src/event/ev_time.hpp \
	libxl/src/event/layer.hpp \
	libxl/src/event/log.hpp \
	libxl/src/event/poller.hpp \
	libxl/src/event/timer_heap.hpp \
	libxl/src/event/unique_fd.hpp \
	libxl/src/ops/child_run.hpp \
	libxl/src/ops/create.hpp \
	libxl/src/ops/device.hpp \
	libxl/src/ops/device_kinds.hpp \
	libxl/src/ops/device_native.hpp \
	libxl/src/ops/guest_suspend.hpp \
	libxl/src/ops/helper_line.hpp libxl/src/ops/helper_reply.hpp \
	libxl/src/ops/migrate_handshake.hpp \
	libxl/src/ops/nested.hpp \
	libxl/src/ops/op_util.hpp \
	libxl/src/ops/restore_stream.hpp \
	libxl/src/ops/save_format.hpp \
	libxl/src/ops/stacks.hpp \
	libxl/src/ops/userdata.hpp \
	libxl/src/xen/acpi_pvh.h \
	libxl/src/xen/cpuid_policy.hpp \
	libxl/src/xen/elf_probe.h \
	libxl/src/xen/filters.hpp \
	libxl/src/xen/hypervisor.hpp \
	libxl/src/xen/xc_shim.h \
	libxl/src/xen/xg_lazy.h \
	libxl/src/xen/xen_ctx.hpp \
	libxl/src/xen/xenstore.hpp \
	libxl/src/xen/xswait.hpp
xlkitinclude_HEADERS += \
	libxl/include/xlkit/ao.hpp \
	libxl/include/xlkit/callback.hpp \
	libxl/include/xlkit/ctx.hpp \
	libxl/include/xlkit/group.hpp \
	libxl/include/xlkit/helper.hpp \
	libxl/include/xlkit/migrate.hpp \
	libxl/include/xlkit/progress.hpp \
	libxl/include/xlkit/domain.hpp \
	libxl/include/xlkit/device.hpp \
	libxl/include/xlkit/config_json.hpp \
	libxl/include/xlkit/error.hpp \
	libxl/include/xlkit/evgen.hpp \
	libxl/include/xlkit/export.h \
	libxl/include/xlkit/osevent.h
include_HEADERS += libxl/include/xlkit.h

# The simulated hypervisor's shared state (libxl/src/xen/sim_hv.h), the sim
# backend's half of the userspace sim host: C, in a convenience library of
# its own, so that the sim host's C programs and tests link it without the
# rest of the library.
noinst_LTLIBRARIES += libxl/libxlkit-sim-hv.la
libxl_libxlkit_sim_hv_la_SOURCES = libxl/src/xen/sim_hv.c
libxl_libxlkit_sim_hv_la_LIBADD = -lpthread
noinst_HEADERS += libxl/src/xen/sim_hv.h
