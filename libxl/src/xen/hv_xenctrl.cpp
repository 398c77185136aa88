// Hypervisor over the real libxenctrl (through the C shim).
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <vector>

#include "xen/hypervisor.hpp"
#include "xen/xc_shim.h"

namespace xlkit::detail {

namespace {

/* The domains whose suspend channel this process has bound. libxenguest's
 * lock is a POSIX record lock, which a second taker in the same process is
 * granted; that second bind then fails (the port is bound already) and its
 * cleanup unlinks the first one's lock file. So a process binds a domain's
 * channel once at a time, whatever ctx asks. */
std::mutex bound_lock;
std::set<std::uint32_t> bound;

class XenctrlSuspendChannel final : public SuspendChannel {
public:
    XenctrlSuspendChannel(xlkit_xc *x, xlkit_xc_suspend *s, std::uint32_t domid) : x_(x), s_(s), domid_(domid) {}
    ~XenctrlSuspendChannel() override {
        xlkit_xc_suspend_release(x_, s_);
        std::lock_guard<std::mutex> g(bound_lock);
        bound.erase(domid_);
    }
    int fd() const noexcept override { return xlkit_xc_suspend_fd(s_); }
    int notify() override { return xlkit_xc_suspend_notify(s_); }
    int drain() override { return xlkit_xc_suspend_drain(s_); }

private:
    xlkit_xc *x_;
    xlkit_xc_suspend *s_;
    std::uint32_t domid_;
};

class XenctrlHypervisor final : public Hypervisor {
public:
    explicit XenctrlHypervisor(xlkit_xc *x) : x_(x) {}
    ~XenctrlHypervisor() override { xlkit_xc_close(x_); }
    const char *name() const noexcept override { return "xenctrl"; }

    int domain_getinfolist(std::uint32_t first, unsigned max, DomInfo *out) override {
        buf_.resize(max);
        int n = xlkit_xc_getinfolist(x_, first, max, buf_.data());
        for (int i = 0; i < n; ++i) {
            const xlkit_xc_dominfo &s = buf_[static_cast<unsigned>(i)];
            DomInfo &d = out[i];
            d = DomInfo{};
            d.domid = s.domid;
            std::memcpy(d.uuid, s.uuid, sizeof d.uuid);
            d.dying = s.flags & XLKIT_XC_DYING;
            d.shutdown = s.flags & XLKIT_XC_SHUTDOWN;
            d.paused = s.flags & XLKIT_XC_PAUSED;
            d.blocked = s.flags & XLKIT_XC_BLOCKED;
            d.running = s.flags & XLKIT_XC_RUNNING;
            d.hvm = s.flags & XLKIT_XC_HVM;
            d.shutdown_reason = s.shutdown_reason;
            d.crashed = d.shutdown && d.shutdown_reason == 3;  // SHUTDOWN_crash
            d.current_memkb = s.tot_kb;
            d.max_memkb = s.max_kb;
            d.outstanding_memkb = s.outstanding_kb;
            d.cpu_time_ns = s.cpu_time_ns;
            d.max_vcpu_id = s.max_vcpu_id;
            d.online_vcpus = s.online_vcpus;
            d.cpupool = s.cpupool;
        }
        return n;
    }
    int domain_states(std::uint32_t first, unsigned max, DomState *out) override {
        if (sbuf_.size() < max) sbuf_.resize(max);
        int n = xlkit_xc_domstates(x_, first, max, sbuf_.data());
        for (int i = 0; i < n; ++i) {
            const xlkit_xc_domstate &s = sbuf_[static_cast<unsigned>(i)];
            DomState &d = out[i];
            d.domid = s.domid;
            std::memcpy(d.uuid, s.uuid, sizeof d.uuid);
            d.flags = std::uint16_t((s.flags & XLKIT_XC_DYING ? kDomStateDying : 0) |
                                    (s.flags & XLKIT_XC_SHUTDOWN ? kDomStateShutdown : 0));
            d.shutdown_reason = std::int16_t(s.shutdown_reason);
        }
        return n;
    }
    int domain_pause(std::uint32_t domid) override { return xlkit_xc_pause(x_, domid); }
    int domain_unpause(std::uint32_t domid) override { return xlkit_xc_unpause(x_, domid); }
    int domain_destroy(std::uint32_t domid) override { return xlkit_xc_destroy(x_, domid); }
    int domain_shutdown(std::uint32_t domid, int reason) override { return xlkit_xc_shutdown(x_, domid, reason); }
    int domain_resume(std::uint32_t domid) override { return xlkit_xc_domain_resume(x_, domid); }
    int suspend_channel_bind(std::uint32_t domid, unsigned port, std::unique_ptr<SuspendChannel> *out) override {
        {
            std::lock_guard<std::mutex> g(bound_lock);
            if (!bound.insert(domid).second) return -EBUSY;
        }
        xlkit_xc_suspend *s = nullptr;
        if (int r = xlkit_xc_suspend_bind(x_, domid, port, &s); r < 0) {
            std::lock_guard<std::mutex> g(bound_lock);
            bound.erase(domid);
            return r;
        }
        *out = std::make_unique<XenctrlSuspendChannel>(x_, s, domid);
        return 0;
    }
    int domain_create(const DomainBuild &b, DomainBuilt *out) override {
        std::vector<xlkit_xc_cpuid_bit> bits;
        for (const CpuidBit &c : b.cpuid) bits.push_back({c.leaf, c.subleaf, c.reg, c.bit, c.value});
        xlkit_xc_build_args a{};
        a.type = b.type == DomainBuild::Type::Pvh ? XLKIT_XC_TYPE_PVH : XLKIT_XC_TYPE_PV;
        a.uuid = b.uuid;
        a.kernel = b.kernel.c_str();
        a.ramdisk = b.ramdisk.c_str();
        a.cmdline = b.cmdline.c_str();
        a.memkb = b.memkb;
        a.maxmemkb = b.maxmemkb;
        a.vcpus = b.vcpus;
        a.tsc_mode = b.tsc_mode;
        a.shadow_kb = b.shadow_kb;
        a.cpuid = bits.data();
        a.nr_cpuid = unsigned(bits.size());
        a.restore = b.restore;
        xlkit_xc_built built{};
        int r = xlkit_xc_build(x_, &a, &built);
        if (r < 0) {
            out->failed_step = xlkit_xc_failed_step(x_);
            return r;
        }
        out->domid = built.domid;
        out->store_mfn = built.store_mfn;
        out->store_port = built.store_port;
        out->console_mfn = built.console_mfn;
        out->console_port = built.console_port;
        return 0;
    }
    int host_caps(unsigned *caps) override {
        unsigned c = 0;
        int r = xlkit_xc_caps(x_, &c);
        if (r < 0) return r;
        *caps = (c & XLKIT_XC_CAP_PV ? kCapPv : 0) | (c & XLKIT_XC_CAP_HVM ? kCapHvm : 0) |
                (c & XLKIT_XC_CAP_HAP ? kCapHap : 0) | (c & XLKIT_XC_CAP_SHADOW ? kCapShadow : 0);
        return 0;
    }
    int physinfo(std::uint64_t *total_kb, std::uint64_t *free_kb) override {
        return xlkit_xc_physinfo(x_, total_kb, free_kb);
    }

private:
    xlkit_xc *x_;
    std::vector<xlkit_xc_dominfo> buf_;
    std::vector<xlkit_xc_domstate> sbuf_;
};

} // namespace

std::unique_ptr<Hypervisor> open_xenctrl(std::string *why) {
    errno = 0;
    xlkit_xc *x = xlkit_xc_open();
    if (!x) {
        int e = errno;
        *why = std::string("cannot open the hypervisor (xc_interface_open: ") + std::strerror(e ? e : ENOENT) +
               "); no Xen here? Use the sim host (XLKIT_HYPERVISOR=sim:DIR)";
        return nullptr;
    }
    return std::make_unique<XenctrlHypervisor>(x);
}

} // namespace xlkit::detail
