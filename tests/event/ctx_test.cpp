// The context: creation, the egc rule, disaster and the failed state.
#include <gtest/gtest.h>

#include "support/ctx_fixture.hpp"

namespace {

using namespace xlkit;
using namespace xlkit::detail;

using CtxLifecycleTest = xlkit::testing::CtxTest;

TEST(CtxCreate, NullOutputIsRejected) { EXPECT_EQ(Ctx::create(nullptr), Error::Inval); }

TEST(CtxCreate, ManyContextsCanCoexist) {
    std::vector<std::unique_ptr<Ctx>> cs(50);
    for (auto &c : cs) ASSERT_EQ(Ctx::create(&c), Error::Success);
}

struct Probe {
    Deferred d;
    CtxImpl *ctx;
    bool ran = false;
    bool lock_free = false;
};

TEST_F(CtxLifecycleTest, ApplicationCallbacksRunAfterTheLockIsReleased) {
    Probe p;
    p.ctx = &impl();
    p.d.fn = [](Deferred *d) {
        auto *pr = reinterpret_cast<Probe *>(d);
        pr->ran = true;
        pr->lock_free = !pr->ctx->locked_by_me();
    };
    {
        Egc egc(impl());
        egc.defer(p.d);
        EXPECT_FALSE(p.ran);
    }
    EXPECT_TRUE(p.ran);
    EXPECT_TRUE(p.lock_free);
}

TEST_F(CtxLifecycleTest, ApplicationCallbackMayReenterTheContext) {
    struct R {
        Deferred d;
        Ctx *ctx;
        Error rc = Error::Fail;
    } r;
    r.ctx = ctx_.get();
    r.d.fn = [](Deferred *d) {
        auto *rr = reinterpret_cast<R *>(d);
        rr->rc = rr->ctx->run_once(0);  // would deadlock under the lock
    };
    {
        Egc egc(impl());
        egc.defer(r.d);
    }
    EXPECT_EQ(r.rc, Error::Success);
}

TEST_F(CtxLifecycleTest, DisasterWithoutACallbackPutsTheContextInAFailedState) {
    {
        Egc egc(impl());
        impl().disaster(egc, "test disaster", 0);
    }
    EXPECT_TRUE(ctx_->failed());
    EXPECT_EQ(ctx_->run_once(0), Error::Fail);
    int n = 0, t = -1;
    EXPECT_EQ(ctx_->beforepoll(nullptr, &n, &t, {}), Error::Fail);
    EXPECT_EQ(ctx_->register_osevent_hooks(nullptr, nullptr), Error::Fail);
}

struct DisasterRec {
    int calls = 0;
    std::string msg;
    int errnoval = 0;
    bool lock_free = false;
    CtxImpl *ctx = nullptr;
};

TEST_F(CtxLifecycleTest, DisasterCallbackRunsOnceAfterUnlockAndTheContextStaysUsable) {
    static DisasterRec rec;
    rec = DisasterRec{};
    rec.ctx = &impl();
    ctx_->set_disaster_callback(
        [](void *user, int, const char *msg, int errnoval) {
            auto *r = static_cast<DisasterRec *>(user);
            ++r->calls;
            r->msg = msg;
            r->errnoval = errnoval;
            r->lock_free = !r->ctx->locked_by_me();
        },
        &rec);
    {
        Egc egc(impl());
        impl().disaster(egc, "xenstore went away", 32);
        impl().disaster(egc, "second report", 32);
    }
    EXPECT_EQ(rec.calls, 1);
    EXPECT_EQ(rec.msg, "xenstore went away");
    EXPECT_EQ(rec.errnoval, 32);
    EXPECT_TRUE(rec.lock_free);
    EXPECT_FALSE(ctx_->failed());
}

TEST(ErrorString, EveryCodeHasADescriptionAndUnknownCodesDoToo) {
    for (int rc = 0; rc >= -25; --rc) EXPECT_STRNE(error_string(rc), "unknown error") << rc;
    EXPECT_STREQ(error_string(-999), "unknown error");
    EXPECT_STREQ(error_string(rc_of(Error::Aborted)), "aborted");
}

} // namespace
