// xlkit/group.hpp: groups of operations that complete together (qemu's job
// transactions).
//
//   Group g(ctx, Group::CancelOnFailure);
//   AoHow m1, m2;
//   g.add(&m1); op_a(ctx, ..., std::move(m1));
//   g.add(&m2); op_b(ctx, ..., std::move(m2));
//   Error rc = g.close(xlkit::use_sync);  // or any completion token
//
// State machine:
//   Open   --add()-->            Open      a member how is handed out
//   Open   --close(how)-->       Closed    the group's own ao starts
//   Closed --add()-->            Closed    Error::Inval: no new members
//   Closed --last member done--> Complete  the group's ao completes with
//                                          the FIRST member error (by time
//                                          of completion), or Success
// A member whose operation fails to start (its initiating call returns an
// error, so its completion never comes) is withdrawn: it neither counts nor
// sets the group's status; the caller has the error.
// With CancelOnFailure, the first member failure aborts every member still
// running (they complete with Error::Aborted). Aborting the group's own
// operation (ao_abort / its stop token) aborts every running member.
// A Group destroyed without close() lets its members finish and discards
// their results.
#pragma once

#include <xlkit/ao.hpp>
#include <xlkit/export.h>

namespace xlkit {

class Ctx;
namespace detail { struct GroupState; }

class XLKIT_API Group {
public:
    enum Flags : unsigned { CancelOnFailure = 1u };

    explicit Group(Ctx &ctx, unsigned flags = 0);
    ~Group();
    Group(const Group &) = delete;
    Group &operator=(const Group &) = delete;

    /* Hand out a how for one more member. Error::Inval once closed. */
    Error add(AoHow *member_how);
    /* Close the group: completes (through how) when every member has. */
    Error close(AoHow how);
    template <class Token>
    auto close(Token &&token) {
        return initiate(std::forward<Token>(token), [this](AoHow how) { return close(std::move(how)); });
    }

private:
    detail::GroupState *st_;
};

} // namespace xlkit
