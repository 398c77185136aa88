// Completion modes for typed suites: each runs one operation, given as a
// start function taking an AoHow, in its mode, drives the ctx from the
// calling thread until the operation is done, and returns its result.
#pragma once

#include <atomic>
#include <coroutine>
#include <functional>
#include <future>
#include <gtest/gtest.h>
#include <string>

#include <xlkit/ao.hpp>
#include <xlkit/ctx.hpp>

namespace xlkit::testing {

using StartFn = std::function<Error(AoHow)>;

struct SyncMode {
    static constexpr const char *name = "Sync";
    static Error run(Ctx &, StartFn start, bool *before = nullptr) {
        if (before) *before = true;
        return start(AoHow{});
    }
};

struct CallbackMode {
    static constexpr const char *name = "Callback";
    static Error run(Ctx &ctx, StartFn start, bool *before = nullptr) {
        std::atomic<bool> done{false};
        Error result = Error::Nonspecific;
        Error init = start(AoHow::callback([&](Error e) {
            result = e;
            done = true;
        }));
        if (before) *before = done;
        if (init != Error::Success) {
            EXPECT_FALSE(done) << "callback ran although initiation failed";
            return init;
        }
        while (!done) EXPECT_EQ(ctx.run_once(20), Error::Success);
        return result;
    }
};

struct EventMode {
    static constexpr const char *name = "Event";
    static bool match(const Event &ev, void *user) {
        return ev.type() == EventType::OperationComplete &&
               ev.for_user == *static_cast<std::uint64_t *>(user);
    }
    static Error run(Ctx &ctx, StartFn start, bool *before = nullptr) {
        static std::atomic<std::uint64_t> next{1};
        std::uint64_t cookie = next++;
        Error init = start(AoHow::event(cookie));
        if (init != Error::Success) return init;
        std::unique_ptr<Event> ev;
        const std::uint64_t mask = event_mask(EventType::OperationComplete);
        Error e = ctx.event_check(&ev, mask, match, &cookie);
        if (before) *before = e == Error::Success;
        if (e == Error::NotReady) e = ctx.event_wait(&ev, mask, match, &cookie, 30000);
        if (e != Error::Success) return e;
        return static_cast<Error>(std::get<EventOperationComplete>(ev->u).rc);
    }
};

struct FutureMode {
    static constexpr const char *name = "Future";
    static Error run(Ctx &ctx, StartFn start, bool *before = nullptr) {
        std::future<Error> f = initiate(use_future, [&](AoHow how) { return start(std::move(how)); });
        if (before) *before = f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
        while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
            EXPECT_EQ(ctx.run_once(20), Error::Success);
        return f.get();
    }
};

struct CoroutineMode {
    static constexpr const char *name = "Coroutine";
    struct Detached {
        struct promise_type {
            Detached get_return_object() { return {}; }
            std::suspend_never initial_suspend() noexcept { return {}; }
            std::suspend_never final_suspend() noexcept { return {}; }
            void return_void() {}
            void unhandled_exception() { std::terminate(); }
        };
    };
    static Detached task(StartFn start, std::atomic<bool> *done, Error *out) {
        // g++ 12 destroys non-trivial temporaries of a co_await expression
        // twice: keep them in named variables.
        auto op = initiate(use_awaitable, [start](AoHow how) { return start(std::move(how)); });
        *out = co_await op;
        *done = true;
    }
    static Error run(Ctx &ctx, StartFn start, bool *before = nullptr) {
        std::atomic<bool> done{false};
        Error result = Error::Nonspecific;
        task(std::move(start), &done, &result);
        if (before) *before = done;
        while (!done) EXPECT_EQ(ctx.run_once(20), Error::Success);
        return result;
    }
};

using AllModes = ::testing::Types<SyncMode, CallbackMode, EventMode, FutureMode, CoroutineMode>;

struct ModeNames {
    template <class T>
    static std::string GetName(int) {
        return T::name;
    }
};

} // namespace xlkit::testing
