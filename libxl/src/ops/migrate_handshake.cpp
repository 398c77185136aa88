// migrate_handshake.cpp: reading and writing xl's hand-over messages, and
// the renames (see migrate_handshake.hpp).
#include "ops/migrate_handshake.hpp"

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event/ctx_impl.hpp"
#include "event/log.hpp"
#include "ops/op_util.hpp"

namespace xlkit::detail::migrate {

std::string report_with_status(Error rc) {
    std::string out(kReport);
    out.push_back(static_cast<char>(static_cast<std::uint8_t>(-static_cast<int>(rc))));
    return out;
}

int status_from_byte(std::uint8_t byte) { return static_cast<int>(static_cast<std::int8_t>(byte)); }

namespace {

void give_flags_back(MsgRead &r) {
    if (r.fd_flags >= 0) (void)fcntl(r.fd, F_SETFL, r.fd_flags);
    r.fd_flags = -1;
}

void finish(Egc &egc, MsgRead &r, Error rc) {
    msg_read_stop(egc, r);
    r.callback(egc, &r, rc);
}

void readable_cb(Egc &egc, EvFd *ev, int fd, short, short) {
    MsgRead &r = *static_cast<MsgRead *>(ev->data);
    const std::size_t total = r.expect.size() + r.extra;
    while (r.got < total) {
        char buf[64];
        std::size_t want = std::min(sizeof buf, total - r.got);
        ssize_t n = read(fd, buf, want);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // spurious: wait
        if (n < 0) {
            XLKIT_LOGE(egc.ctx, ERROR, errno, "%s: reading the %s failed", r.side, r.what);
            finish(egc, r, Error::Fail);
            return;
        }
        if (n == 0) {
            XLKIT_LOG(egc.ctx, ERROR, "%s: the other side closed the connection before the %s (%zu of %zu bytes)",
                      r.side, r.what, r.got, total);
            finish(egc, r, Error::Fail);
            return;
        }
        for (ssize_t i = 0; i < n; ++i, ++r.got) {
            if (r.got < r.expect.size()) {
                if (buf[i] != r.expect[r.got]) {
                    XLKIT_LOG(egc.ctx, ERROR, "%s: the connection carried unexpected data instead of the %s",
                              r.side, r.what);
                    finish(egc, r, Error::Fail);
                    return;
                }
            } else {
                r.tail.push_back(buf[i]);
            }
        }
    }
    finish(egc, r, Error::Success);
}

void timeout_cb(Egc &egc, EvTime *ev, Nanos, Error) {
    MsgRead &r = *static_cast<MsgRead *>(ev->data);
    XLKIT_LOG(egc.ctx, ERROR, "%s: no %s within %d ms", r.side, r.what, r.timeout_ms);
    finish(egc, r, Error::Timedout);
}

void abort_cb(Egc &egc, AoAbortable *ab, Error rc) { finish(egc, *static_cast<MsgRead *>(ab->data), rc); }

} // namespace

Error msg_read_start(Egc &egc, MsgRead &r) {
    r.got = 0;
    r.tail.clear();
    int fl = fcntl(r.fd, F_GETFL);
    if (fl < 0) {
        XLKIT_LOGE(egc.ctx, ERROR, errno, "%s: fd %d", r.side, r.fd);
        return Error::Inval;
    }
    r.fd_flags = fl;
    if (!(fl & O_NONBLOCK)) (void)fcntl(r.fd, F_SETFL, fl | O_NONBLOCK);
    r.ev.data = &r;
    r.timer.data = &r;
    r.abortable.data = &r;
    Error rc = r.can_abort ? abortable_register(egc, r.abortable, r.ao, abort_cb) : Error::Success;
    if (rc == Error::Success) rc = egc.ctx.fd_register(egc, r.ev, readable_cb, r.fd, POLLIN);
    if (rc == Error::Success && r.timeout_ms > 0) rc = egc.ctx.time_register_rel(egc, r.timer, timeout_cb, r.timeout_ms);
    if (rc != Error::Success) msg_read_stop(egc, r);
    return rc;
}

void msg_read_stop(Egc &egc, MsgRead &r) {
    abortable_deregister(egc, r.abortable);
    egc.ctx.fd_deregister(egc, r.ev);
    egc.ctx.time_deregister(egc, r.timer);
    give_flags_back(r);
}

Error msg_write(Egc &egc, int fd, std::string_view bytes, const char *what, const char *side, std::size_t *sent) {
    std::size_t off = 0;
    std::size_t dummy;
    if (!sent) sent = &dummy;
    *sent = 0;
    int waited_ms = 0;
    while (off < bytes.size()) {
        ssize_t n = send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK) n = write(fd, bytes.data() + off, bytes.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && waited_ms < 10000) {
            struct pollfd p = {fd, POLLOUT, 0};
            (void)poll(&p, 1, 100);
            waited_ms += 100;
            continue;
        }
        if (n < 0) {
            XLKIT_LOGE(egc.ctx, ERROR, errno, "%s: writing the %s failed", side, what);
            return Error::Fail;
        }
        off += std::size_t(n);
        *sent = off;
    }
    return Error::Success;
}

Error domain_rename(Egc &egc, std::uint32_t domid, const std::string &from, const std::string &to) {
    XenStacks s;
    if (Error rc = xen_stacks(egc, &s); rc != Error::Success) return rc;
    return xs_transact(egc, *s.x, "rename", [&](Xenstore &xs, XsTxn t) {
        std::string now;
        if (xs.read(t, dom_path(domid) + "/name", &now) < 0 || now != from) {
            XLKIT_LOG(egc.ctx, ERROR, "rename of domain %u to '%s': it is not called '%s'", domid, to.c_str(),
                      from.c_str());
            return Error::Inval;
        }
        for (const std::string &d : domains_named(xs, t, to))
            if (d != std::to_string(domid)) {
                XLKIT_LOG(egc.ctx, ERROR, "rename of domain %u to '%s': domain %s has that name", domid, to.c_str(),
                          d.c_str());
                return Error::Inval;
            }
        if (xs.write(t, dom_path(domid) + "/name", to) < 0) return Error::Fail;
        std::string vm;
        if (xs.read(t, dom_path(domid) + "/vm", &vm) == 0 && !vm.empty() && xs.write(t, vm + "/name", to) < 0)
            return Error::Fail;
        XLKIT_LOG(egc.ctx, INFO, "domain %u renamed from '%s' to '%s'", domid, from.c_str(), to.c_str());
        return Error::Success;
    });
}

} // namespace xlkit::detail::migrate
