// A simulated domain's guest, for tests on the userspace sim host.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <unistd.h>

#include "support/sim_support.hpp"

namespace simtest {

// Plays the kernel of a simulated domain: watches control/shutdown and, when
// obeying, acknowledges a "poweroff"/"reboot"/"suspend" request (writes "")
// and then, suspend_delay_us later, shuts the domain down with that reason,
// as a PV kernel does; otherwise it only counts the requests. The
// constructor returns once it watches (ready()), or after 5 s without (then
// ready() is false). With a channel port, it also offers a suspend event
// channel (sim_evtchn_offer; the port written to device/suspend/event-
// channel, as a guest kernel that has one does) and treats a notification
// on it as a suspend request.
class GuestAgent {
public:
    GuestAgent(sim_t *sim, std::uint32_t domid, bool obey, useconds_t suspend_delay_us = 20000, unsigned channel_port = 0)
        : sim_(sim), domid_(domid), obey_(obey), delay_(suspend_delay_us), port_(channel_port) {
        node_ = "/local/domain/" + std::to_string(domid) + "/control/shutdown";
        th_ = std::thread([this] { run(); });
        for (int i = 0; i < 500 && !ready_; ++i) usleep(10000);
    }
    ~GuestAgent() {
        stop_ = true;
        th_.join();
        if (chan_ >= 0) close(chan_);
    }
    bool ready() const { return ready_; }
    int requests() const { return requests_; }
    /* Notifications on the offered channel so far. */
    int channel_requests() const { return channel_requests_; }
    /* Acknowledged requests (the node cleared) so far. */
    int acks() const { return acks_; }

private:
    void run() {
        simtest::Xs xs;
        if (!xs || !xs.watch(node_, "agent")) return;
        if (port_) {
            chan_ = sim_evtchn_offer(sim_, domid_, port_, 1);
            if (chan_ < 0 ||
                !xs.write("/local/domain/" + std::to_string(domid_) + "/device/suspend/event-channel", std::to_string(port_)))
                return;
        }
        ready_ = true;
        while (!stop_) {
            auto e = xs.next_event(port_ ? 5 : 50);
            if (port_ && sim_dom_exc_drain(chan_) > 0) {
                ++channel_requests_;
                if (obey_) {
                    usleep(delay_);
                    sim_domain_shutdown(sim_, domid_, SIM_SHUTDOWN_SUSPEND);
                }
            }
            if (!e) continue;
            auto v = xs.read(node_);
            if (!v || (*v != "poweroff" && *v != "reboot" && *v != "suspend")) continue;
            ++requests_;
            if (!obey_) continue;
            unsigned reason = *v == "reboot"    ? SIM_SHUTDOWN_REBOOT
                              : *v == "suspend" ? SIM_SHUTDOWN_SUSPEND
                                                : SIM_SHUTDOWN_POWEROFF;
            xs.write(node_, "");
            ++acks_;
            usleep(reason == SIM_SHUTDOWN_SUSPEND ? delay_ : 20000);
            sim_domain_shutdown(sim_, domid_, reason);
        }
    }
    sim_t *sim_;
    std::uint32_t domid_;
    bool obey_;
    useconds_t delay_;
    unsigned port_;
    int chan_ = -1;
    std::string node_;
    std::atomic<bool> stop_{false}, ready_{false};
    std::atomic<int> requests_{0}, acks_{0}, channel_requests_{0};
    std::thread th_;
};

} // namespace simtest
