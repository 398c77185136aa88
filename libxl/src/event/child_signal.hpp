// Process-wide SIGCHLD and fork state shared by child.cpp and atfork.cpp.
#pragma once

namespace xlkit::detail {

/* Marks a fork done by xlkit itself (under a ctx lock, child will exec or
 * _exit): the atfork handlers then leave every lock alone. */
struct LibraryForkScope {
    LibraryForkScope() noexcept;
    ~LibraryForkScope();
};

void sigchld_atfork_prepare() noexcept;
void sigchld_atfork_release() noexcept;
void sigchld_postfork_child_reset() noexcept;

} // namespace xlkit::detail
