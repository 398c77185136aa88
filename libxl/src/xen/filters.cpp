// Tracing and fault-injection filters.
#include "xen/filters.hpp"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

extern "C" {
#include <xentoollog.h>
}

#include "event/log.hpp"
#include "xen/cpuid_policy.hpp"

namespace xlkit::detail {

namespace {

const char *const kKinds[] = {"read",    "write",   "mkdir",     "rm",      "directory", "perms",
                              "watch",   "unwatch", "txn_start", "txn_end", "introduce", "release",
                              "domain_path", "getinfo", "pause", "unpause", "destroy",   "shutdown",
                              "physinfo", "create", "caps", "evtchn"};

bool known_kind(const std::string &k) {
    for (const char *x : kKinds)
        if (k == x) return true;
    return false;
}

int parse_errno(const std::string &s) {
    static const struct {
        const char *name;
        int value;
    } names[] = {{"EIO", EIO},       {"EAGAIN", EAGAIN}, {"ENOENT", ENOENT}, {"EACCES", EACCES},
                 {"EINVAL", EINVAL}, {"ENOMEM", ENOMEM}, {"EBUSY", EBUSY},   {"EPERM", EPERM},
                 {"ESRCH", ESRCH},   {"E2BIG", E2BIG},   {"ENOSPC", ENOSPC}, {"EEXIST", EEXIST},
                 {"EPIPE", EPIPE},   {"ECONNRESET", ECONNRESET}, {"ETIMEDOUT", ETIMEDOUT}};
    for (auto &n : names)
        if (s == n.name) return n.value;
    char *end = nullptr;
    long v = std::strtol(s.c_str(), &end, 10);
    if (!s.empty() && end && !*end && v > 0 && v < 4096) return int(v);
    return 0;
}

bool parse_uint(const std::string &s, unsigned *out) {
    if (s.empty() || s.size() > 9) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    *out = unsigned(std::strtoul(s.c_str(), nullptr, 10));
    return true;
}

std::vector<std::string> split(const std::string &s, char sep) {
    std::vector<std::string> v;
    std::size_t start = 0;
    for (;;) {
        std::size_t p = s.find(sep, start);
        v.push_back(s.substr(start, p - start));
        if (p == std::string::npos) return v;
        start = p + 1;
    }
}

// Shared bookkeeping of one filter instance.
class FilterCore {
public:
    FilterCore(const FilterSpec &f, xentoollog_logger *lg) : f_(f), lg_(lg) {}

    // Run call() as KIND with a description of its arguments.
    template <class Call>
    int run(const char *kind, const std::string &args, Call &&call) {
        if (f_.type == FilterSpec::Type::Trace) {
            auto t0 = std::chrono::steady_clock::now();
            int r = call();
            auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
                          .count();
            log_to(lg_, XTL_INFO, -1, "trace: %s(%s) = %d%s%s [%lld us]", kind, args.c_str(), r,
                   r < 0 ? " " : "", r < 0 ? std::strerror(-r) : "", static_cast<long long>(us));
            return r;
        }
        if (f_.kind == kind) {
            if (f_.type == FilterSpec::Type::Delay) {
                std::this_thread::sleep_for(std::chrono::milliseconds(f_.n));
            } else if (f_.type == FilterSpec::Type::Fail && ++count_ == f_.n) {
                log_to(lg_, XTL_INFO, -1, "fault: failing %s(%s) (call %u) with %s", kind, args.c_str(),
                       count_, std::strerror(f_.err));
                return -f_.err;
            }
        }
        return call();
    }
    // Watch events: drop or duplicate the Nth one.
    template <class Next>
    int watch_event(std::string *path, std::string *token, Next &&next) {
        if (!pending_dup_path_.empty()) {
            *path = std::move(pending_dup_path_);
            *token = std::move(pending_dup_token_);
            pending_dup_path_.clear();
            return 1;
        }
        int r = next(path, token);
        if (r != 1 || f_.kind != "watch") return r;
        ++events_;
        if (f_.type == FilterSpec::Type::Drop && events_ == f_.n) {
            log_to(lg_, XTL_INFO, -1, "fault: dropping watch event %u (%s)", events_, path->c_str());
            return next(path, token);
        }
        if (f_.type == FilterSpec::Type::Dup && events_ == f_.n) {
            log_to(lg_, XTL_INFO, -1, "fault: duplicating watch event %u (%s)", events_, path->c_str());
            pending_dup_path_ = *path;
            pending_dup_token_ = *token;
        }
        return r;
    }
    bool has_pending() const { return !pending_dup_path_.empty(); }
    void note(const char *what, const std::string &args) {
        log_to(lg_, XTL_INFO, -1, "trace: %s: %s", what, args.c_str());
    }

private:
    FilterSpec f_;
    xentoollog_logger *lg_;
    unsigned count_ = 0;
    unsigned events_ = 0;
    std::string pending_dup_path_, pending_dup_token_;
};

class HvFilter final : public Hypervisor {
public:
    HvFilter(std::unique_ptr<Hypervisor> lower, const FilterSpec &f, xentoollog_logger *lg)
        : lower_(std::move(lower)), core_(f, lg), trace_(f.type == FilterSpec::Type::Trace) {}
    const char *name() const noexcept override { return trace_ ? "trace" : "fault"; }
    int domain_getinfolist(std::uint32_t first, unsigned max, DomInfo *out) override {
        return core_.run("getinfo", "first=" + std::to_string(first) + " max=" + std::to_string(max),
                         [&] { return lower_->domain_getinfolist(first, max, out); });
    }
    // Kind "getinfo" too: the same query, narrowed (fault=getinfo:... hits it).
    int domain_states(std::uint32_t first, unsigned max, DomState *out) override {
        return core_.run("getinfo", "first=" + std::to_string(first) + " max=" + std::to_string(max) + " states",
                         [&] { return lower_->domain_states(first, max, out); });
    }
    int domain_pause(std::uint32_t d) override {
        return core_.run("pause", std::to_string(d), [&] { return lower_->domain_pause(d); });
    }
    int domain_unpause(std::uint32_t d) override {
        return core_.run("unpause", std::to_string(d), [&] { return lower_->domain_unpause(d); });
    }
    int domain_destroy(std::uint32_t d) override {
        return core_.run("destroy", std::to_string(d), [&] { return lower_->domain_destroy(d); });
    }
    int domain_shutdown(std::uint32_t d, int reason) override {
        return core_.run("shutdown", std::to_string(d) + " reason=" + std::to_string(reason),
                         [&] { return lower_->domain_shutdown(d, reason); });
    }
    int domain_resume(std::uint32_t d) override {
        return core_.run("resume", std::to_string(d), [&] { return lower_->domain_resume(d); });
    }
    int suspend_channel_bind(std::uint32_t d, unsigned port, std::unique_ptr<SuspendChannel> *out) override {
        return core_.run("evtchn", std::to_string(d) + " suspend port=" + std::to_string(port),
                         [&] { return lower_->suspend_channel_bind(d, port, out); });
    }
    int physinfo(std::uint64_t *t, std::uint64_t *f) override {
        return core_.run("physinfo", "", [&] { return lower_->physinfo(t, f); });
    }
    int host_caps(unsigned *c) override { return core_.run("caps", "", [&] { return lower_->host_caps(c); }); }
    int domain_create(const DomainBuild &b, DomainBuilt *out) override {
        std::string args = std::string(b.type == DomainBuild::Type::Pvh ? "pvh" : "pv") +
                           " mem=" + std::to_string(b.memkb) + "kB maxmem=" + std::to_string(b.maxmemkb) +
                           "kB vcpus=" + std::to_string(b.vcpus);
        if (!b.cpuid.empty()) args += " cpuid=" + cpuid_policy_xend(b.cpuid);
        return core_.run("create", args, [&] { return lower_->domain_create(b, out); });
    }

private:
    std::unique_ptr<Hypervisor> lower_;
    FilterCore core_;
    bool trace_;
};

class XsFilter final : public Xenstore {
public:
    XsFilter(std::unique_ptr<Xenstore> lower, const FilterSpec &f, xentoollog_logger *lg)
        : lower_(std::move(lower)), core_(f, lg), trace_(f.type == FilterSpec::Type::Trace) {}
    const char *name() const noexcept override { return trace_ ? "trace" : "fault"; }
    static std::string t_(XsTxn t) { return t ? "t=" + std::to_string(t) + " " : std::string(); }
    int read(XsTxn t, const std::string &p, std::string *v) override {
        return core_.run("read", t_(t) + p, [&] { return lower_->read(t, p, v); });
    }
    int write(XsTxn t, const std::string &p, const std::string &v) override {
        return core_.run("write", t_(t) + p + " = \"" + v + "\"", [&] { return lower_->write(t, p, v); });
    }
    int mkdir(XsTxn t, const std::string &p) override {
        return core_.run("mkdir", t_(t) + p, [&] { return lower_->mkdir(t, p); });
    }
    int rm(XsTxn t, const std::string &p) override {
        return core_.run("rm", t_(t) + p, [&] { return lower_->rm(t, p); });
    }
    int directory(XsTxn t, const std::string &p, std::vector<std::string> *n) override {
        return core_.run("directory", t_(t) + p, [&] { return lower_->directory(t, p, n); });
    }
    int set_perms_for(XsTxn t, const std::string &p, std::uint32_t o, bool w) override {
        return core_.run("perms", t_(t) + p + " owner=" + std::to_string(o),
                         [&] { return lower_->set_perms_for(t, p, o, w); });
    }
    int watch(const std::string &p, const std::string &tok) override {
        return core_.run("watch", p + " " + tok, [&] { return lower_->watch(p, tok); });
    }
    int unwatch(const std::string &p, const std::string &tok) override {
        return core_.run("unwatch", p + " " + tok, [&] { return lower_->unwatch(p, tok); });
    }
    int fileno() override { return lower_->fileno(); }
    int check_watch(std::string *path, std::string *token) override {
        int r = core_.watch_event(path, token, [&](std::string *p, std::string *t) {
            return lower_->check_watch(p, t);
        });
        if (trace_ && r == 1) core_.note("watch event", *path + " token=" + *token);
        return r;
    }
    int transaction_start(XsTxn *t) override {
        return core_.run("txn_start", "", [&] { return lower_->transaction_start(t); });
    }
    int transaction_end(XsTxn t, bool abort) override {
        return core_.run("txn_end", t_(t) + (abort ? "abort" : "commit"),
                         [&] { return lower_->transaction_end(t, abort); });
    }
    int introduce_domain(std::uint32_t d, unsigned long mfn, unsigned port) override {
        return core_.run("introduce", std::to_string(d),
                         [&] { return lower_->introduce_domain(d, mfn, port); });
    }
    int release_domain(std::uint32_t d) override {
        return core_.run("release", std::to_string(d), [&] { return lower_->release_domain(d); });
    }
    int resume_domain(std::uint32_t d) override {
        return core_.run("resume", std::to_string(d), [&] { return lower_->resume_domain(d); });
    }
    int get_domain_path(std::uint32_t d, std::string *p) override {
        return core_.run("domain_path", std::to_string(d), [&] { return lower_->get_domain_path(d, p); });
    }

private:
    std::unique_ptr<Xenstore> lower_;
    FilterCore core_;
    bool trace_;
};

} // namespace

int parse_filters(const std::string &spec, std::vector<FilterSpec> *out, std::string *why) {
    out->clear();
    if (spec.empty()) return 0;
    for (const std::string &item : split(spec, ',')) {
        FilterSpec f;
        if (item == "trace") {
            out->push_back(f);
            continue;
        }
        if (item.rfind("fault=", 0) != 0) {
            *why = "unknown filter '" + item + "' (expected trace or fault=KIND:...)";
            return -EINVAL;
        }
        std::vector<std::string> p = split(item.substr(6), ':');
        if (p.size() != 3 || !known_kind(p[0])) {
            *why = "bad fault filter '" + item + "' (expected fault=KIND:N:ERRNO, fault=KIND:delay:MS, "
                   "fault=watch:drop:N or fault=watch:dup:N, KIND one of read write ... physinfo)";
            return -EINVAL;
        }
        f.kind = p[0];
        if (p[1] == "delay") {
            f.type = FilterSpec::Type::Delay;
            if (!parse_uint(p[2], &f.n)) {
                *why = "bad delay '" + p[2] + "' in '" + item + "' (milliseconds)";
                return -EINVAL;
            }
        } else if (p[1] == "drop" || p[1] == "dup") {
            f.type = p[1] == "drop" ? FilterSpec::Type::Drop : FilterSpec::Type::Dup;
            if (f.kind != "watch" || !parse_uint(p[2], &f.n) || f.n == 0) {
                *why = "bad filter '" + item + "': drop/dup apply to watch events, N >= 1";
                return -EINVAL;
            }
        } else {
            f.type = FilterSpec::Type::Fail;
            if (!parse_uint(p[1], &f.n) || f.n == 0) {
                *why = "bad call number '" + p[1] + "' in '" + item + "' (N >= 1)";
                return -EINVAL;
            }
            f.err = parse_errno(p[2]);
            if (!f.err) {
                *why = "unknown errno '" + p[2] + "' in '" + item + "'";
                return -EINVAL;
            }
        }
        out->push_back(f);
    }
    return 0;
}

std::unique_ptr<Hypervisor> wrap_hypervisor(std::unique_ptr<Hypervisor> lower, const FilterSpec &f,
                                            xentoollog_logger *lg) {
    return std::make_unique<HvFilter>(std::move(lower), f, lg);
}

std::unique_ptr<Xenstore> wrap_xenstore(std::unique_ptr<Xenstore> lower, const FilterSpec &f,
                                        xentoollog_logger *lg) {
    return std::make_unique<XsFilter>(std::move(lower), f, lg);
}

} // namespace xlkit::detail
