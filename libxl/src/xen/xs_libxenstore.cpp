// Xenstore over the real libxenstore.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>

extern "C" {
#include <xenstore.h>
}

#include "xen/xenstore.hpp"

namespace xlkit::detail {

namespace {

inline int fail() { return errno ? -errno : -EIO; }

class LibXenstore final : public Xenstore {
public:
    explicit LibXenstore(struct xs_handle *h) : h_(h) {}
    ~LibXenstore() override { xs_close(h_); }
    const char *name() const noexcept override { return "libxenstore"; }

    int read(XsTxn t, const std::string &path, std::string *value) override {
        unsigned len = 0;
        errno = 0;
        void *v = xs_read(h_, t, path.c_str(), &len);
        if (!v) return fail();
        value->assign(static_cast<char *>(v), len);
        std::free(v);
        return 0;
    }
    int write(XsTxn t, const std::string &path, const std::string &value) override {
        errno = 0;
        return xs_write(h_, t, path.c_str(), value.data(), static_cast<unsigned>(value.size())) ? 0 : fail();
    }
    int mkdir(XsTxn t, const std::string &path) override {
        errno = 0;
        return xs_mkdir(h_, t, path.c_str()) ? 0 : fail();
    }
    int rm(XsTxn t, const std::string &path) override {
        errno = 0;
        return xs_rm(h_, t, path.c_str()) ? 0 : fail();
    }
    int directory(XsTxn t, const std::string &path, std::vector<std::string> *names) override {
        unsigned n = 0;
        errno = 0;
        char **d = xs_directory(h_, t, path.c_str(), &n);
        if (!d) return fail();
        names->assign(d, d + n);
        std::free(d);
        return 0;
    }
    int set_perms_for(XsTxn t, const std::string &path, std::uint32_t owner, bool guest_writes) override {
        struct xs_permissions p[2];
        p[0].id = 0;
        p[0].perms = XS_PERM_NONE;
        p[1].id = owner;
        p[1].perms = guest_writes ? XS_PERM_READ | XS_PERM_WRITE : XS_PERM_READ;
        errno = 0;
        return xs_set_permissions(h_, t, path.c_str(), p, owner ? 2 : 1) ? 0 : fail();
    }
    int watch(const std::string &path, const std::string &token) override {
        errno = 0;
        return xs_watch(h_, path.c_str(), token.c_str()) ? 0 : fail();
    }
    int unwatch(const std::string &path, const std::string &token) override {
        errno = 0;
        return xs_unwatch(h_, path.c_str(), token.c_str()) ? 0 : fail();
    }
    // The watch pipe's read end, made on the first call (so only on the
    // watches' connection). Close-on-exec, as libxenstore makes it since
    // 4.13; set again for an older one: children must not hold it.
    int fileno() override {
        int fd = xs_fileno(h_);
        if (fd >= 0) (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        return fd;
    }
    int check_watch(std::string *path, std::string *token) override {
        errno = 0;
        char **w = xs_check_watch(h_);
        if (!w) return errno == EAGAIN ? 0 : fail();
        path->assign(w[XS_WATCH_PATH]);
        token->assign(w[XS_WATCH_TOKEN]);
        std::free(w);
        return 1;
    }
    int transaction_start(XsTxn *t) override {
        errno = 0;
        xs_transaction_t x = xs_transaction_start(h_);
        if (x == XBT_NULL) return fail();
        *t = x;
        return 0;
    }
    int transaction_end(XsTxn t, bool abort) override {
        errno = 0;
        return xs_transaction_end(h_, t, abort) ? 0 : fail();
    }
    int introduce_domain(std::uint32_t domid, unsigned long mfn, unsigned port) override {
        errno = 0;
        return xs_introduce_domain(h_, domid, mfn, port) ? 0 : fail();
    }
    int release_domain(std::uint32_t domid) override {
        errno = 0;
        return xs_release_domain(h_, domid) ? 0 : fail();
    }
    int resume_domain(std::uint32_t domid) override {
        errno = 0;
        return xs_resume_domain(h_, domid) ? 0 : fail();
    }
    int get_domain_path(std::uint32_t domid, std::string *path) override {
        errno = 0;
        char *p = xs_get_domain_path(h_, domid);
        if (!p) return fail();
        path->assign(p);
        std::free(p);
        return 0;
    }

private:
    struct xs_handle *h_;
};

} // namespace

std::unique_ptr<Xenstore> open_libxenstore(std::string *why) {
    errno = 0;
    struct xs_handle *h = xs_open(0);
    if (!h) {
        int e = errno;
        *why = std::string("cannot connect to xenstored (xs_open: ") + std::strerror(e ? e : EIO) +
               "; is xenstored running, or XENSTORED_PATH set?)";
        return nullptr;
    }
    // libxenstore opens its socket close-on-exec (SOCK_CLOEXEC). No
    // xs_fileno here: it makes the watch pipe, which only the watches'
    // connection needs.
    return std::make_unique<LibXenstore>(h);
}

} // namespace xlkit::detail
