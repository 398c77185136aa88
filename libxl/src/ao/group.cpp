// Groups: members are ordinary operations started with a callback how that
// reports into the group; the group's own ao starts at close().
#include <cassert>
#include <xlkit/ctx.hpp>
#include <xlkit/group.hpp>

#include "ao/ao.hpp"
#include "ao/ao_start.hpp"
#include "event/log.hpp"

namespace xlkit::detail {

struct GroupMember {
    boost::intrusive::list_member_hook<> hook_;
    struct GroupState *g;
};

struct GroupState {
    CtxImpl *ctx;
    bool cancel_on_failure;
    bool closed = false;
    bool handle_alive = true;
    bool cancelling = false;
    int outstanding = 0;
    Error first_error = Error::Success;
    Ao *ao = nullptr;  // the group's own, once closed
    AoAbortable abortable;
    boost::intrusive::list<GroupMember,
                           boost::intrusive::member_hook<GroupMember, boost::intrusive::list_member_hook<>,
                                                         &GroupMember::hook_>,
                           boost::intrusive::constant_time_size<false>>
        running;

    bool done() const { return closed && outstanding == 0; }
};

namespace {

const char kMemberTag = 0;  // match key for finding a member's ao

void group_maybe_finish(Egc &egc, GroupState *g) {
    if (g->outstanding || !g->closed) return;
    if (g->ao) {
        abortable_deregister(egc, g->abortable);
        Ao *ao = g->ao;
        g->ao = nullptr;
        ao->complete(egc, g->first_error);
    }
    if (!g->handle_alive) delete g;
}

void cancel_running(Egc &egc, GroupState *g) {
    if (g->cancelling) return;
    g->cancelling = true;
    // Abort each running member's ao, found by its how's identity. An
    // abort may complete a member at once; its callback comes later (after
    // unlock), so the list is stable while we walk it.
    for (GroupMember &m : g->running) {
        AoHow key;
        key = AoHow::callback([](Error) {});
        key.set_match_key(&kMemberTag, &m);
        if (Ao *ao = ao_find(egc, &key)) (void)ao->abort(egc);
    }
}

void member_done(GroupMember *m, bool called, Error rc) {
    GroupState *g = m->g;
    auto update = [&](Egc &egc) {
        if (m->hook_.is_linked()) g->running.erase(g->running.iterator_to(*m));
        --g->outstanding;
        const bool failed = called && rc != Error::Success;
        if (failed && g->first_error == Error::Success) g->first_error = rc;
        if (failed && g->cancel_on_failure) cancel_running(egc, g);
        group_maybe_finish(egc, g);
    };
    if (g->ctx->locked_by_me()) {
        // Released during a failed initiation, under the lock: use the
        // egc that holds it.
        Egc *egc = Egc::current();
        assert(egc && &egc->ctx == g->ctx);
        update(*egc);
    } else {
        Egc egc(*g->ctx);
        update(egc);
    }
    delete m;
}

// The member's completion callable: reports once, whether called or not.
class MemberCallback {
public:
    explicit MemberCallback(GroupMember *m) : m_(m) {}
    MemberCallback(MemberCallback &&o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
    ~MemberCallback() {
        if (m_) member_done(m_, false, Error::Success);  // withdrawn: never called
    }
    void operator()(Error rc) { member_done(std::exchange(m_, nullptr), true, rc); }

private:
    GroupMember *m_;
};

} // namespace
} // namespace xlkit::detail

namespace xlkit {

using namespace detail;

Group::Group(Ctx &ctx, unsigned flags) : st_(new GroupState{}) {
    st_->ctx = &ctx.impl();
    st_->cancel_on_failure = flags & CancelOnFailure;
}

Group::~Group() {
    Egc egc(*st_->ctx);
    st_->handle_alive = false;
    if (!st_->closed) {
        st_->closed = true;  // nobody waits: results are discarded
        if (st_->outstanding == 0) delete st_;
    }
    // Closed: the group's ao (or its last member) frees the state.
    else if (st_->outstanding == 0 && !st_->ao)
        delete st_;
}

Error Group::add(AoHow *member_how) {
    if (!member_how) return Error::Inval;
    Egc egc(*st_->ctx);
    if (st_->closed) {
        XLKIT_LOG(*st_->ctx, ERROR, "group: add() after close()");
        return Error::Inval;
    }
    auto *m = new (std::nothrow) GroupMember{};
    if (!m) return Error::Nomem;
    m->g = st_;
    st_->running.push_back(*m);
    ++st_->outstanding;
    AoHow how = AoHow::callback(MemberCallback(m));
    how.set_match_key(&kMemberTag, m);
    *member_how = std::move(how);
    return Error::Success;
}

// The group's own ao: it completes, with the first member error, once every
// member has completed; aborting it cancels the members still running.
Error Group::close(AoHow how) {
    struct State {
        Ao *ao = nullptr;
    };
    GroupState *gs = st_;
    return ao_start<State>(*gs->ctx, std::move(how), [gs](Egc &egc, State &st) {
        if (gs->closed) return Error::Inval;
        gs->closed = true;
        gs->abortable.data = gs;
        Error rc = abortable_register(egc, gs->abortable, st.ao, [](Egc &g, AoAbortable *ab, Error) {
            auto *s = static_cast<GroupState *>(ab->data);
            if (s->first_error == Error::Success) s->first_error = Error::Aborted;
            cancel_running(g, s);
        });
        if (rc != Error::Success) {
            // Aborted before it started: cancel the members, still wait for them.
            if (gs->first_error == Error::Success) gs->first_error = rc;
            cancel_running(egc, gs);
        }
        if (gs->outstanding == 0) {
            abortable_deregister(egc, gs->abortable);
            st.ao->complete(egc, gs->first_error);
        } else {
            gs->ao = st.ao;
        }
        return Error::Success;
    });
}

} // namespace xlkit
