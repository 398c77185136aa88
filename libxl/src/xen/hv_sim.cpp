// Hypervisor over the simulated hypervisor's shared state (sim_hv.h), which
// the userspace sim host's programs share (docs/hosts.md).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sys/stat.h>
#include <vector>

#include "xen/elf_probe.h"
#include "xen/hypervisor.hpp"
#include "xen/sim_hv.h"

namespace xlkit::detail {

namespace {

inline int fail() { return errno ? -errno : -EIO; }

class SimSuspendChannel final : public SuspendChannel {
public:
    SimSuspendChannel(sim_t *sim, std::uint32_t domid, unsigned port, int fd)
        : sim_(sim), domid_(domid), port_(port), fd_(fd) {}
    ~SimSuspendChannel() override { (void)sim_suspend_evtchn_unbind(sim_, domid_, fd_); }
    int fd() const noexcept override { return fd_; }
    int notify() override { return sim_evtchn_notify(sim_, domid_, port_) ? fail() : 0; }
    int drain() override { return sim_dom_exc_drain(fd_) < 0 ? fail() : 0; }

private:
    sim_t *sim_;
    std::uint32_t domid_;
    unsigned port_;
    int fd_;
};

class SimHypervisor final : public Hypervisor {
public:
    explicit SimHypervisor(sim_t *sim) : sim_(sim) {}
    ~SimHypervisor() override { (void)sim_close(sim_); }
    const char *name() const noexcept override { return "sim"; }

    int domain_getinfolist(std::uint32_t first, unsigned max, DomInfo *out) override {
        buf_.resize(max);
        errno = 0;
        int n = sim_domain_getinfo(sim_, first, max, buf_.data());
        if (n < 0) return fail();
        for (int i = 0; i < n; ++i) {
            const sim_dominfo &s = buf_[static_cast<unsigned>(i)];
            DomInfo &d = out[i];
            d = DomInfo{};
            d.domid = s.domid;
            std::memcpy(d.uuid, s.uuid, sizeof d.uuid);
            d.dying = s.flags & SIM_DOMF_DYING;
            d.shutdown = s.flags & SIM_DOMF_SHUTDOWN;
            d.crashed = s.flags & SIM_DOMF_CRASHED;
            d.paused = s.flags & SIM_DOMF_PAUSED;
            d.running = s.flags & SIM_DOMF_RUNNING;
            d.hvm = s.flags & SIM_DOMF_HVM;
            d.blocked = !d.running && !d.paused && !d.shutdown && !d.dying;
            d.shutdown_reason = d.shutdown ? int(s.shutdown_reason) : -1;
            d.current_memkb = s.cur_memkb;
            d.max_memkb = s.max_memkb;
            d.cpu_time_ns = s.cpu_time_ns;
            d.max_vcpu_id = s.vcpus ? s.vcpus - 1 : 0;
            d.online_vcpus = s.vcpus;
        }
        return n;
    }
    int domain_states(std::uint32_t first, unsigned max, DomState *out) override {
        if (sbuf_.size() < max) sbuf_.resize(max);
        errno = 0;
        int n = sim_domain_states(sim_, first, max, sbuf_.data());
        if (n < 0) return fail();
        for (int i = 0; i < n; ++i) {
            const sim_domstate &s = sbuf_[static_cast<unsigned>(i)];
            DomState &d = out[i];
            d.domid = s.domid;
            std::memcpy(d.uuid, s.uuid, sizeof d.uuid);
            const bool shut = s.flags & SIM_DOMF_SHUTDOWN;
            d.flags = std::uint16_t((s.flags & SIM_DOMF_DYING ? kDomStateDying : 0) | (shut ? kDomStateShutdown : 0));
            d.shutdown_reason = shut ? std::int16_t(s.shutdown_reason) : std::int16_t(-1);
        }
        return n;
    }
    int domain_pause(std::uint32_t domid) override {
        errno = 0;
        return sim_domain_pause(sim_, domid) ? fail() : 0;
    }
    int domain_unpause(std::uint32_t domid) override {
        errno = 0;
        return sim_domain_unpause(sim_, domid) ? fail() : 0;
    }
    int domain_destroy(std::uint32_t domid) override {
        errno = 0;
        return sim_domain_destroy(sim_, domid) ? fail() : 0;
    }
    int domain_shutdown(std::uint32_t domid, int reason) override {
        if (reason < 0 || reason > SIM_SHUTDOWN_MAX) return -EINVAL;
        errno = 0;
        return sim_domain_shutdown(sim_, domid, unsigned(reason)) ? fail() : 0;
    }
    int suspend_channel_bind(std::uint32_t domid, unsigned port, std::unique_ptr<SuspendChannel> *out) override {
        errno = 0;
        int fd = sim_suspend_evtchn_bind(sim_, domid, port, 1);
        if (fd < 0) return fail();
        *out = std::make_unique<SimSuspendChannel>(sim_, domid, port, fd);
        return 0;
    }
    int domain_resume(std::uint32_t domid) override {
        errno = 0;
        return sim_domain_resume(sim_, domid) ? fail() : 0;
    }
    int domain_create(const DomainBuild &b, DomainBuilt *out) override {
        // The sim boots nothing, but refuses what real Xen's builder would:
        // an ELF kernel without a PVH entry point, or too little memory for it.
        if (b.type == DomainBuild::Type::Pvh) {
            std::ifstream f(b.kernel, std::ios::binary);
            std::vector<char> img((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
            struct stat rs{};
            std::uint64_t ramdisk_len = !b.ramdisk.empty() && stat(b.ramdisk.c_str(), &rs) == 0 ? std::uint64_t(rs.st_size) : 0;
            char why[320] = "";
            int r = xlkit_pvh_image_check(img.data(), img.size(), ramdisk_len, b.memkb, b.kernel.c_str(), why, sizeof why);
            if (r < 0) {
                out->failed_step = why;
                return r;
            }
        }
        std::uint32_t d = SIM_DOMID_ANY;
        errno = 0;
        if (sim_domain_create(sim_, &d, b.memkb, b.vcpus, b.uuid,
                              b.type == DomainBuild::Type::Pvh ? SIM_CREATE_HVM : 0u))
            return fail();
        if (b.maxmemkb > b.memkb && sim_domain_set_memory(sim_, d, b.maxmemkb, UINT64_MAX)) {
            int r = fail();
            (void)sim_domain_destroy(sim_, d);
            return r;
        }
        out->domid = d;
        out->store_mfn = 0;  // the stand-in maps an anonymous page for xenstored
        out->store_port = 1;
        out->console_mfn = 0;
        out->console_port = 2;
        return 0;
    }
    int physinfo(std::uint64_t *total_kb, std::uint64_t *free_kb) override {
        sim_hostinfo hi;
        errno = 0;
        if (sim_hostinfo_get(sim_, &hi)) return fail();
        *total_kb = hi.total_memkb;
        *free_kb = hi.free_memkb;
        return 0;
    }
    int host_caps(unsigned *caps) override {
        sim_hostinfo hi;
        errno = 0;
        if (sim_hostinfo_get(sim_, &hi)) return fail();
        *caps = (hi.caps & SIM_CAP_PV ? kCapPv : 0) | (hi.caps & SIM_CAP_HVM ? kCapHvm : 0) |
                (hi.caps & SIM_CAP_HAP ? kCapHap : 0);
        return 0;
    }

private:
    sim_t *sim_;
    std::vector<sim_dominfo> buf_;
    std::vector<sim_domstate> sbuf_;
};

} // namespace

std::unique_ptr<Hypervisor> open_sim(const std::string &dir, std::string *why) {
    if (dir.empty()) {
        *why = "sim hypervisor: no directory given (sim:DIR)";
        return nullptr;
    }
    errno = 0;
    sim_t *sim = sim_open(dir.c_str(), 0);
    if (!sim) {
        int e = errno;
        *why = "cannot open the sim host in '" + dir + "': " + std::strerror(e ? e : EIO) +
               " (start one with tools/hosts/sim/xlkit-sim-host start DIR)";
        return nullptr;
    }
    return std::make_unique<SimHypervisor>(sim);
}

} // namespace xlkit::detail
