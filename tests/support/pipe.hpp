// A non-blocking, close-on-exec pipe owned by a test: r is the read end, w
// the write end; poke() makes r readable.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace xlkit::testing {

struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        EXPECT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
        r = fds[0];
        w = fds[1];
    }
    Pipe(const Pipe &) = delete;
    Pipe &operator=(const Pipe &) = delete;
    ~Pipe() { close_both(); }
    void close_both() {
        if (r >= 0) close(r);
        if (w >= 0) close(w);
        r = w = -1;
    }
    void poke() { ASSERT_EQ(write(w, "x", 1), 1); }
};

} // namespace xlkit::testing
