// Poller: one thread's private means of waiting inside xlkit.
//
// A thread that must wait (a synchronous operation, or run_once) borrows a
// Poller from the ctx pool. At most one Poller at a time holds the baton and
// sleeps in epoll_wait on the ctx's epoll set (which holds every registered
// fd, including the ctx's wake eventfd); the others sleep on their own
// eventfd until they are woken because what they wait for happened, or
// because the baton was released (libxl's "baton" rule: whenever fds or
// timeouts change, at least one blocked thread polls the current set).
#pragma once

#include <boost/intrusive/list_hook.hpp>
#include <sys/epoll.h>

#include "event/unique_fd.hpp"

namespace xlkit::detail {

struct Poller {
    static constexpr int kBatch = 64;
    UniqueFd efd;                 // private wake-up (eventfd, CLOEXEC)
    bool wake_pending = false;    // efd written and not yet drained
    boost::intrusive::list_member_hook<> hook_;  // idle pool or waiting list
    struct epoll_event events[kBatch];
};

} // namespace xlkit::detail
