# tests/: GoogleTest suites, run by `make check` through automake's harness.
check_PROGRAMS += tests/event-tests
TESTS += tests/event-tests
tests_event_tests_SOURCES = \
	tests/support/main.cpp \
	tests/event/timer_heap_test.cpp \
	tests/event/ev_time_test.cpp \
	tests/event/ev_immediate_test.cpp \
	tests/event/ev_fd_test.cpp \
	tests/event/loop_test.cpp \
	tests/event/osevent_test.cpp \
	tests/event/child_test.cpp \
	tests/event/ctx_test.cpp
noinst_HEADERS += tests/support/ctx_fixture.hpp
tests_event_tests_CPPFLAGS = $(TEST_CPPFLAGS)
tests_event_tests_LDADD = $(TEST_LDADD)
