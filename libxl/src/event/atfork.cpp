// Fork safety: no child ever inherits a ctx lock held by another thread.
//
// pthread_atfork handlers take every ctx lock (and the SIGCHLD registry lock)
// before an application fork() and release them on both sides after it, so
// the child starts with all of them free. Lock order: registry -> each ctx ->
// SIGCHLD; no code holding a ctx lock takes the registry lock, so this cannot
// deadlock. xlkit's own forks (LibraryForkScope) skip all of this: they run
// under their ctx's lock and the child only execs or _exits.
#include <boost/intrusive/list.hpp>
#include <mutex>
#include <pthread.h>

#include "event/child_signal.hpp"
#include "event/ctx_impl.hpp"

namespace xlkit::detail {

namespace {

using Registry = boost::intrusive::list<
    CtxImpl,
    boost::intrusive::member_hook<CtxImpl, boost::intrusive::list_member_hook<>,
                                  &CtxImpl::registry_hook_>,
    boost::intrusive::constant_time_size<false>>;

pthread_mutex_t g_reg_mu = PTHREAD_MUTEX_INITIALIZER;
Registry &registry() {
    static Registry r;
    return r;
}
thread_local int t_library_forking = 0;
thread_local bool t_prepared = false;

void prepare() {
    t_prepared = false;
    if (t_library_forking) return;
    t_prepared = true;
    pthread_mutex_lock(&g_reg_mu);
    for (CtxImpl &c : registry()) {
        if (c.locked_by_me()) continue;  // e.g. forking from inside a hook
        c.lock();
        c.locked_for_fork_ = true;
    }
    sigchld_atfork_prepare();
}

void release() {
    if (!t_prepared) return;
    t_prepared = false;
    sigchld_atfork_release();
    for (CtxImpl &c : registry()) {
        if (!c.locked_for_fork_) continue;
        c.locked_for_fork_ = false;
        c.unlock();
    }
    pthread_mutex_unlock(&g_reg_mu);
}

void install_once() {
    static std::once_flag once;
    std::call_once(once, [] { (void)pthread_atfork(prepare, release, release); });
}

} // namespace

LibraryForkScope::LibraryForkScope() noexcept { ++t_library_forking; }
LibraryForkScope::~LibraryForkScope() { --t_library_forking; }

void registry_add(CtxImpl *ctx) {
    install_once();
    pthread_mutex_lock(&g_reg_mu);
    registry().push_back(*ctx);
    pthread_mutex_unlock(&g_reg_mu);
}

void registry_remove(CtxImpl *ctx) {
    pthread_mutex_lock(&g_reg_mu);
    if (ctx->registry_hook_.is_linked()) registry().erase(registry().iterator_to(*ctx));
    pthread_mutex_unlock(&g_reg_mu);
}

} // namespace xlkit::detail

void xlkit::Ctx::postfork_child_noexec() {
    using namespace xlkit::detail;
    // Single-threaded now (we are the child), and the atfork handlers left
    // every lock free.
    pthread_mutex_lock(&g_reg_mu);
    for (CtxImpl &c : registry()) c.postfork_child_close();
    registry().clear();
    pthread_mutex_unlock(&g_reg_mu);
    sigchld_postfork_child_reset();
}
