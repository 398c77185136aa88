// Hypervisor: the one small interface through which xlkit touches the
// hypervisor. Layer 3.
//
// Implementations: XenctrlHypervisor (real Xen, libxenctrl) and
// SimHypervisor (the userspace sim host's shared state). Filters (tracing,
// fault injection) are Hypervisors too: each is opened on the layer beneath
// and calls through it (nbdkit's filter design). Nothing above this
// interface knows which one runs.
//
// Errors are values: every call returns >= 0 on success and -errno on
// failure (system-call style; callers turn it into an xlkit::Error).
// Calls are synchronous and short (one hypercall or one shared-memory
// access); they are made with the ctx lock held.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace xlkit::detail {

struct DomInfo {
    std::uint32_t domid = 0;
    std::uint8_t uuid[16] = {};
    bool dying = false;
    bool shutdown = false;  // shut down, not yet destroyed (see shutdown_reason)
    bool crashed = false;   // shutdown with reason crash
    bool paused = false;
    bool blocked = false;
    bool running = false;
    bool hvm = false;
    int shutdown_reason = -1;  // SHUTDOWN_* of xen/sched.h when shutdown
    std::uint64_t current_memkb = 0;
    std::uint64_t max_memkb = 0;
    std::uint64_t outstanding_memkb = 0;
    std::uint64_t cpu_time_ns = 0;
    std::uint32_t max_vcpu_id = 0;
    std::uint32_t online_vcpus = 0;
    std::uint32_t cpupool = 0;
};

/* What the death check needs of one domain and no more (Hypervisor::
 * domain_states): 24 bytes, no padding, so two answers compare with memcmp. */
struct DomState {
    std::uint32_t domid = 0;
    std::uint8_t uuid[16] = {};
    std::uint16_t flags = 0;            // kDomState* below
    std::int16_t shutdown_reason = -1;  // SHUTDOWN_* of xen/sched.h when shut down, else -1
};
inline constexpr std::uint16_t kDomStateDying = 0x1, kDomStateShutdown = 0x2;
static_assert(sizeof(DomState) == 24, "DomState has no padding");

/* One CPUID bit a domain's config forces (xl's cpuid, either form: cpuid_policy.hpp). */
struct CpuidBit {
    std::uint32_t leaf = 0, subleaf = UINT32_MAX;  // UINT32_MAX: the leaf has no subleaves
    unsigned reg = 0;                              // 0 eax, 1 ebx, 2 ecx, 3 edx
    unsigned bit = 0;
    char value = 'x';                              // '0', '1', 'x' (default), 'k' (host), 's'
};

/* What domain_create builds: a PV or PVH domain, paused. */
struct DomainBuild {
    enum class Type { Pv, Pvh } type = Type::Pv;
    std::uint8_t uuid[16] = {};
    std::string kernel, ramdisk, cmdline;  // real Xen only (the sim ignores them)
    std::uint64_t memkb = 0, maxmemkb = 0;
    std::uint32_t vcpus = 1;
    int tsc_mode = 0;             // Xen's: 0 default, 1 always emulate, 2 native
    std::uint64_t shadow_kb = 0;  // PVH: the paging pool
    std::vector<CpuidBit> cpuid;
    /* Restore: the domain is made and prepared (memory limits, event
     * channels, TSC, paging pool) but not built and given no CPUID policy:
     * xc_domain_restore fills it (ops/restore_stream.hpp). The kernel is
     * not read; store_mfn/console_mfn are left 0. */
    bool restore = false;
};

/* Host capabilities (xl info's virt_caps). */
inline constexpr unsigned kCapPv = 0x1, kCapHvm = 0x2, kCapHap = 0x4, kCapShadow = 0x8;
struct DomainBuilt {
    std::uint32_t domid = 0;
    unsigned long store_mfn = 0, console_mfn = 0;
    unsigned store_port = 0, console_port = 0;
    /* On failure: the backend's failing step (e.g. "xc_dom_boot_mem_init(dom)"), or empty. */
    std::string failed_step;
};

/* A guest's suspend event channel, bound by the toolstack: the port the
 * guest published in device/suspend/event-channel (libxenguest's
 * xc_suspend_evtchn_init_exclusive: bound, subscribed to the domain's
 * suspend, and held exclusively, so two toolstacks never both ask). The
 * destructor unbinds it. Made by Hypervisor::suspend_channel_bind; it must
 * not outlive that Hypervisor.
 *
 *   Bound --notify()--> the guest is asked to suspend itself
 *   Bound --the domain shuts down with reason suspend--> fd() readable;
 *         drain() takes the event and re-arms
 */
class SuspendChannel {
public:
    virtual ~SuspendChannel() = default;
    virtual int fd() const noexcept = 0;
    /* >= 0, or -errno. */
    virtual int notify() = 0;
    virtual int drain() = 0;
};

class Hypervisor {
public:
    virtual ~Hypervisor() = default;
    /* "xenctrl", "sim", "trace", "fault": for logs. */
    virtual const char *name() const noexcept = 0;
    /* Up to max domains with domid >= first, in domid order; returns how
     * many were written to out. One hypercall (or equivalent) per call. */
    virtual int domain_getinfolist(std::uint32_t first, unsigned max, DomInfo *out) = 0;
    /* domain_getinfolist narrowed to DomState: the same one query (on Xen
     * the same getdomaininfolist sysctl, which copies out every field
     * anyway), but only what the death check reads is converted and kept. */
    virtual int domain_states(std::uint32_t first, unsigned max, DomState *out) = 0;
    virtual int domain_pause(std::uint32_t domid) = 0;
    virtual int domain_unpause(std::uint32_t domid) = 0;
    virtual int domain_destroy(std::uint32_t domid) = 0;
    /* Ask Xen to mark the domain shut down with reason (SHUTDOWN_*): what a
     * guest does itself; the toolstack uses it for "shutdown -F"-style
     * forced shutdown of guests without PV drivers. */
    virtual int domain_shutdown(std::uint32_t domid, int reason) = 0;
    /* Resume a domain shut down with reason suspend, fast (xl's and
     * libxl's suspend_cancel): the guest returns from its suspend hypercall
     * as if it had been cancelled and runs on. -EINVAL if the domain is not
     * suspended. */
    virtual int domain_resume(std::uint32_t domid) = 0;
    /* Create and build a PV or PVH domain, left paused; on failure nothing
     * is left behind. -ENOENT/-EINVAL for a kernel that cannot be loaded,
     * -ENOEXEC for one that cannot boot as PVH, -ERANGE for memory below
     * what the kernel needs (out->failed_step then says it in words). */
    virtual int domain_create(const DomainBuild &b, DomainBuilt *out) = 0;
    /* Bind the suspend event channel port (the guest's) of domid. -EINVAL
     * if it is not a port the guest offers (real Xen: also if another
     * process has it bound, libxenguest's lock says no more); -EBUSY if it
     * is bound already (the sim: by any process; real Xen: by this one). */
    virtual int suspend_channel_bind(std::uint32_t domid, unsigned port, std::unique_ptr<SuspendChannel> *out) = 0;
    /* Total and free host memory, kB. */
    virtual int physinfo(std::uint64_t *total_kb, std::uint64_t *free_kb) = 0;
    /* The host's kCap* flags. */
    virtual int host_caps(unsigned *caps) = 0;
};

/* The backends (the Xen layer picks one from CtxOptions::hypervisor, then
 * stacks the filters of CtxOptions::filters on it: see xen_ctx.cpp). */
std::unique_ptr<Hypervisor> open_xenctrl(std::string *why);
std::unique_ptr<Hypervisor> open_sim(const std::string &dir, std::string *why);

} // namespace xlkit::detail
