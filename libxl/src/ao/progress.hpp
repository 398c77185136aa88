// Progress reports of one operation through one ProgressHow.
//
// A Progress lives in the operation's state. report() (lock held):
//   Discard  -> dropped;
//   Event    -> for_user set, queued as an application event at once;
//   Callback -> appended to this Progress's FIFO; the ao's completion is
//               held back until it has been delivered. One drainer at a
//               time (whichever thread's egc ends first) calls the callback
//               for each report in order, without the lock.
#pragma once

#include <boost/intrusive/list.hpp>
#include <memory>

#include "ao/ao.hpp"
#include <xlkit/progress.hpp>

namespace xlkit::detail {

class Progress {
public:
    Progress() = default;
    Progress(const Progress &) = delete;
    Progress &operator=(const Progress &) = delete;
    ~Progress();

    void set(Ao *ao, ProgressHow &&how) {
        ao_ = ao;
        how_ = std::move(how);
    }
    bool wanted() const noexcept { return how_.mode() != ProgressHow::Mode::Discard; }
    void report(Egc &egc, std::unique_ptr<Event> ev);

private:
    struct Item {
        boost::intrusive::list_member_hook<> hook_;
        std::unique_ptr<Event> ev;
    };
    static void drain(Deferred *d);

    Ao *ao_ = nullptr;
    ProgressHow how_;
    boost::intrusive::list<Item,
                           boost::intrusive::member_hook<Item, boost::intrusive::list_member_hook<>, &Item::hook_>,
                           boost::intrusive::constant_time_size<false>>
        pending_;
    bool draining_ = false;
    Deferred drainer_;  // data: this
};

} // namespace xlkit::detail
