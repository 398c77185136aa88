// xlkit/ao.hpp: how an asynchronous operation ("ao") reports completion, and
// the completion tokens that let one operation serve every way of waiting.
//
// Every slow call takes an AoHow (libxl's ao_how):
//   AoHow{}                  synchronous: the calling thread runs a private
//                            poller until the operation is done and the call
//                            returns its result;
//   AoHow::callback(f)       f(Error) is called exactly once when it is done;
//   AoHow::event(for_user)   an OPERATION_COMPLETE event (with rc and
//                            for_user) is queued for the application.
// In the two asynchronous modes the initiating call returns Error::Success if
// the operation was started (it may even have completed, and its callback
// run, before the call returns: the callback then runs after the lock is
// released and before the call returns), or an error, in which case the
// callback is never called and is released at once.
//
// Callbacks run with no xlkit lock held, on whichever thread drives the
// context when the operation finishes, and may call xlkit again.
//
// Completion tokens (Asio's model): every C++ operation `op(args..., token)`
// accepts
//   xlkit::use_sync (or no token)  -> Error
//   any callable void(Error)       -> Error (initiation result)
//   xlkit::as_event(for_user)      -> Error (initiation result)
//   xlkit::use_future              -> std::future<Error>
//   xlkit::use_awaitable           -> an awaitable: `Error e = co_await op(...)`
// Writing an operation needs no per-mode code: it takes an AoHow, and a
// one-line template forwards its token through xlkit::initiate().
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <stop_token>
#include <type_traits>
#include <utility>

#include <xlkit/callback.hpp>
#include <xlkit/error.hpp>
#include <xlkit/export.h>

namespace xlkit {

class AoHow {
public:
    enum class Mode : std::uint8_t { Sync, Callback, Event };

    // User-provided, so that `AoHow{}` (value-initialization) does not
    // zero-fill the callable's buffer before constructing the members.
    AoHow() noexcept {}
    AoHow(AoHow &&) noexcept = default;
    AoHow &operator=(AoHow &&) noexcept = default;

    static AoHow event(std::uint64_t for_user) noexcept {
        AoHow h;
        h.mode_ = Mode::Event;
        h.for_event_ = for_user;
        return h;
    }
    template <class F>
    static AoHow callback(F &&f) {
        AoHow h;
        h.mode_ = Mode::Callback;
        h.cb_ = UniqueCallback<Error>(std::forward<F>(f));
        return h;
    }
    /* Requesting stop on `st` aborts the operation (as Ctx::ao_abort). */
    AoHow &&abort_on(std::stop_token st) && {
        stop_ = std::move(st);
        return std::move(*this);
    }

    Mode mode() const noexcept { return mode_; }
    std::uint64_t for_event() const noexcept { return for_event_; }

    // ---- for the C API: identity by which xlkit_ao_abort finds the ao ----
    void set_match_key(const void *fn, const void *user) noexcept {
        key_fn_ = fn;
        key_user_ = user;
    }
    const void *match_fn() const noexcept { return key_fn_; }
    const void *match_user() const noexcept { return key_user_; }

    // ---- private to the library -----------------------------------------
    UniqueCallback<Error> &callback_ref() noexcept { return cb_; }
    std::stop_token &stop_token_ref() noexcept { return stop_; }

private:
    Mode mode_ = Mode::Sync;
    std::uint64_t for_event_ = 0;
    const void *key_fn_ = nullptr;
    const void *key_user_ = nullptr;
    UniqueCallback<Error> cb_;
    std::stop_token stop_;
};

// ---- completion tokens ------------------------------------------------------

struct use_sync_t {};
inline constexpr use_sync_t use_sync{};

struct as_event {
    std::uint64_t for_user;
};

struct use_future_t {};
inline constexpr use_future_t use_future{};

struct use_awaitable_t {};
inline constexpr use_awaitable_t use_awaitable{};

namespace detail {

/* The awaitable returned for use_awaitable. The operation starts when the
 * coroutine awaits it; the coroutine resumes on the thread that completes it
 * (or at once, without suspending, if it completes during initiation). */
template <class Start>
class AoAwaitable {
public:
    explicit AoAwaitable(Start s) : start_(std::move(s)) {}
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
        handle_ = h;
        Error rc = start_(AoHow::callback([this](Error e) {
            result_ = e;
            if (done_.exchange(true, std::memory_order_acq_rel)) handle_.resume();
        }));
        if (rc != Error::Success) {
            result_ = rc;
            return false;
        }
        // Whoever comes second resumes: if the op already finished, do not
        // suspend at all.
        return !done_.exchange(true, std::memory_order_acq_rel);
    }
    Error await_resume() const noexcept { return result_; }

private:
    Start start_;
    std::coroutine_handle<> handle_;
    std::atomic<bool> done_{false};
    Error result_ = Error::Success;
};

} // namespace detail

/* Run `start(AoHow)` (an operation's one implementation) in the way `token`
 * asks for. `start` must hold copies of the operation's arguments if the
 * token is use_awaitable (the start is deferred to the co_await). */
template <class Token, class Start>
auto initiate(Token &&token, Start start) {
    using T = std::decay_t<Token>;
    if constexpr (std::is_same_v<T, use_sync_t>) {
        return start(AoHow{});
    } else if constexpr (std::is_same_v<T, as_event>) {
        return start(AoHow::event(token.for_user));
    } else if constexpr (std::is_same_v<T, use_future_t>) {
        auto p = std::make_shared<std::promise<Error>>();
        std::future<Error> f = p->get_future();
        Error rc = start(AoHow::callback([p](Error e) { p->set_value(e); }));
        if (rc != Error::Success) p->set_value(rc);
        return f;
    } else if constexpr (std::is_same_v<T, use_awaitable_t>) {
        return detail::AoAwaitable<Start>(std::move(start));
    } else if constexpr (std::is_same_v<T, AoHow>) {
        return start(std::forward<Token>(token));
    } else {
        static_assert(std::is_invocable_v<T &, Error>,
                      "a completion token is xlkit::use_sync, as_event, use_future, use_awaitable, "
                      "an AoHow, or a callable taking xlkit::Error");
        return start(AoHow::callback(std::forward<Token>(token)));
    }
}

} // namespace xlkit

namespace xlkit {

class Ctx;

/* Abort the in-flight operation started with a how identical to *how (for
 * the C API: same callback and for_callback, or same for_event; nullptr: the
 * first synchronous one). Returns Success (it will complete, probably with
 * Error::Aborted), Error::Notfound, or Error::Aborted if already aborting.
 * C++ callers usually prefer AoHow::abort_on(std::stop_token). */
XLKIT_API Error ao_abort(Ctx &ctx, const AoHow *how);

/* Number of operations in flight on ctx (started, not yet completed). */
XLKIT_API std::size_t ao_inflight(Ctx &ctx);

} // namespace xlkit
