// Xenstore: xlkit's view of a xenstore connection. Layer 3.
//
// The real implementation wraps libxenstore (xs_open(0): the socket named
// by XENSTORED_PATH, or xenbus); filters (tracing, fault injection) wrap
// another Xenstore. One connection per ctx; watch events arrive on fileno()
// and are read with check_watch(). Errors are values: >= 0 success, -errno.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace xlkit::detail {

using XsTxn = std::uint32_t;  // 0: no transaction (XBT_NULL)

class Xenstore {
public:
    virtual ~Xenstore() = default;
    virtual const char *name() const noexcept = 0;

    /* -ENOENT if the node does not exist. */
    virtual int read(XsTxn t, const std::string &path, std::string *value) = 0;
    virtual int write(XsTxn t, const std::string &path, const std::string &value) = 0;
    virtual int mkdir(XsTxn t, const std::string &path) = 0;
    virtual int rm(XsTxn t, const std::string &path) = 0;
    virtual int directory(XsTxn t, const std::string &path, std::vector<std::string> *names) = 0;
    /* Give domid (and dom0) access: "n0" then "r<domid>" (or "b<domid>"). */
    virtual int set_perms_for(XsTxn t, const std::string &path, std::uint32_t owner, bool guest_writes) = 0;

    virtual int watch(const std::string &path, const std::string &token) = 0;
    virtual int unwatch(const std::string &path, const std::string &token) = 0;
    /* The fd that becomes readable when watch events may be pending. */
    virtual int fileno() = 0;
    /* 1 and one event, 0 if none is pending, -errno if the connection
     * failed (e.g. xenstored died). */
    virtual int check_watch(std::string *path, std::string *token) = 0;

    virtual int transaction_start(XsTxn *t) = 0;
    /* -EAGAIN: conflict, nothing applied; retry the whole transaction. */
    virtual int transaction_end(XsTxn t, bool abort) = 0;

    virtual int introduce_domain(std::uint32_t domid, unsigned long mfn, unsigned port) = 0;
    virtual int release_domain(std::uint32_t domid) = 0;
    /* xs_resume_domain: xenstored forgets that the domain had shut down
     * (after a suspended domain is resumed). */
    virtual int resume_domain(std::uint32_t domid) = 0;
    virtual int get_domain_path(std::uint32_t domid, std::string *path) = 0;
};

std::unique_ptr<Xenstore> open_libxenstore(std::string *why);

} // namespace xlkit::detail
