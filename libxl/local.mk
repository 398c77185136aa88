# libxl/: the library. Layer 1, the event core.
libxlkit_internal_la_SOURCES += \
	libxl/src/event/atfork.cpp \
	libxl/src/event/child.cpp \
	libxl/src/event/ctx.cpp \
	libxl/src/event/egc.cpp \
	libxl/src/event/fd.cpp \
	libxl/src/event/immediate.cpp \
	libxl/src/event/log.cpp \
	libxl/src/event/loop.cpp \
	libxl/src/event/osevent.cpp \
	libxl/src/event/time.cpp
noinst_HEADERS += \
	libxl/src/event/child_signal.hpp \
	libxl/src/event/clock.hpp \
	libxl/src/event/ctx_impl.hpp \
	libxl/src/event/egc.hpp \
	libxl/src/event/ev_child.hpp \
	libxl/src/event/ev_fd.hpp \
	libxl/src/event/ev_immediate.hpp \
	libxl/src/event/ev_time.hpp \
	libxl/src/event/log.hpp \
	libxl/src/event/poller.hpp \
	libxl/src/event/timer_heap.hpp \
	libxl/src/event/unique_fd.hpp
xlkitinclude_HEADERS += \
	libxl/include/xlkit/ctx.hpp \
	libxl/include/xlkit/error.hpp \
	libxl/include/xlkit/export.h \
	libxl/include/xlkit/osevent.h
include_HEADERS += libxl/include/xlkit.h
