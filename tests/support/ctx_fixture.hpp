// A fixture giving each test a fresh ctx, and checking at the end that the
// test left the loop empty (no fd, timeout or child still registered).
#pragma once

#include <gtest/gtest.h>
#include <memory>

#include "event/ctx_impl.hpp"
#include <xlkit/ctx.hpp>

namespace xlkit::testing {

class CtxTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(Ctx::create(&ctx_), Error::Success);
    }
    void TearDown() override {
        if (ctx_) {
            EXPECT_EQ(impl().timers_active(), 0u) << "test leaked an active timeout";
        }
        ctx_.reset();
    }
    detail::CtxImpl &impl() { return ctx_->impl(); }

    std::unique_ptr<Ctx> ctx_;
};

} // namespace xlkit::testing
