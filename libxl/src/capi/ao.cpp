// C API: ao_how conversion, abort, groups.
#include <xlkit/group.hpp>

#include "capi/capi.hpp"

using xlkit::AoHow;
using xlkit::Error;
using xlkit::rc_of;

struct xlkit__group {
    xlkit_ctx *ctx;
    xlkit::Group g;
    xlkit__group(xlkit_ctx *c, unsigned flags) : ctx(c), g(*c->cxx, flags) {}
};

namespace xlkit::capi {

namespace {
// A group member's how travels through C as a heap AoHow behind this
// callback; to_cxx() unwraps it so the group keeps finding its member.
void member_trampoline(xlkit_ctx *, int, void *) {}
void member_free(void *p) { delete static_cast<AoHow *>(p); }
} // namespace

AoHow to_cxx(xlkit_ctx *ctx, const xlkit_asyncop_how *how) {
    if (!how) return AoHow{};
    if (how->callback == member_trampoline) {
        auto *h = static_cast<AoHow *>(how->u.for_callback);
        AoHow r = std::move(*h);
        delete h;
        return r;
    }
    if (how->callback) {
        AoHow h = AoHow::callback(CCallback(ctx, how->callback, how->u.for_callback, how->free_callback));
        h.set_match_key(reinterpret_cast<const void *>(how->callback), how->u.for_callback);
        return h;
    }
    return AoHow::event(how->u.for_event);
}

} // namespace xlkit::capi

extern "C" {

int xlkit_ao_abort(xlkit_ctx *ctx, const xlkit_asyncop_how *how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    if (!how) return rc_of(xlkit::ao_abort(*ctx->cxx, nullptr));
    AoHow key = how->callback ? AoHow::callback([](Error) {}) : AoHow::event(how->u.for_event);
    if (how->callback)
        key.set_match_key(reinterpret_cast<const void *>(how->callback), how->u.for_callback);
    return rc_of(xlkit::ao_abort(*ctx->cxx, &key));
}

int xlkit_group_new(xlkit_ctx *ctx, unsigned flags, xlkit_group **group_r) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    if (!group_r || (flags & ~XLKIT_GROUP_CANCEL_ON_FAILURE)) return XLKIT_ERROR_INVAL;
    auto *g = new (std::nothrow) xlkit__group(ctx, flags & XLKIT_GROUP_CANCEL_ON_FAILURE
                                                       ? xlkit::Group::CancelOnFailure
                                                       : 0u);
    if (!g) return XLKIT_ERROR_NOMEM;
    *group_r = g;
    return 0;
}

int xlkit_group_add(xlkit_group *group, xlkit_asyncop_how *member_how) {
    if (!group || !member_how) return XLKIT_ERROR_INVAL;
    auto *h = new (std::nothrow) AoHow;
    if (!h) return XLKIT_ERROR_NOMEM;
    Error e = group->g.add(h);
    if (e != Error::Success) {
        delete h;
        return rc_of(e);
    }
    member_how->callback = xlkit::capi::member_trampoline;
    member_how->u.for_callback = h;
    member_how->free_callback = xlkit::capi::member_free;
    return 0;
}

int xlkit_group_close(xlkit_group *group, const xlkit_asyncop_how *ao_how) {
    if (!group) return XLKIT_ERROR_INVAL;
    Error e = group->g.close(xlkit::capi::to_cxx(group->ctx, ao_how));
    delete group;  // the group's state lives on until its members finish
    return rc_of(e);
}

} // extern "C"
