/* preload.c: LD_PRELOAD stand-in for the hypervisor device layer, so the
 * unmodified C xenstored of Debian's xen-utils-4.17 runs as an ordinary
 * process against the simulated hypervisor of sim_hv.h.
 *
 * It provides exactly what /usr/lib/xen-4.17/bin/xenstored imports from
 * libxenctrl, libxenevtchn and libxengnttab (`nm -D --undefined-only`), and
 * intercepts open() of /proc/xen/xsd_port and /proc/xen/xsd_kva, which the
 * daemon reads during dom0 set-up. The sim host's folder comes from
 * $XLKIT_SIM_DIR.
 *
 * - xc_domain_getinfo answers from the shared state, in domid order.
 * - The event-channel fd is the datagram socket DIR/dom-exc; any process's
 *   sim_raise_dom_exc() makes it readable, xenevtchn_pending() then reports
 *   the VIRQ_DOM_EXC port and xenstored re-checks its domains, firing
 *   @releaseDomain as with real Xen. Notifications to guests are dropped.
 * - A grant mapping (xenstored maps a guest's ring after XS_INTRODUCE) is a
 *   zeroed anonymous page and holds a reference on the simulated domain,
 *   which a destroyed domain keeps until xenstored unmaps it.
 */
#undef _FORTIFY_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#include "xen/sim_hv.h"

#define EXPORT __attribute__((visibility("default")))

#define XSD_PORT_PATH "/proc/xen/xsd_port"
#define XSD_KVA_PATH "/proc/xen/xsd_kva"
#define DOM0_XENBUS_PORT 1

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static sim_t *g_sim;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n > sizeof buf - 2) n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    int saved = errno;
    (void)!write(2, "xlkit-sim-preload: ", 19);
    (void)!write(2, buf, (size_t)n);
    errno = saved;
}

/* The shared state, opened on first use; NULL with errno if unavailable. */
static sim_t *sim(void) {
    pthread_mutex_lock(&g_lock);
    if (!g_sim) {
        const char *dir = getenv("XLKIT_SIM_DIR");
        if (!dir || !*dir) {
            say("XLKIT_SIM_DIR is not set");
            errno = ENOENT;
        } else {
            g_sim = sim_open(dir, 0);
            if (!g_sim) say("cannot open the sim state in %s: %s", dir, strerror(errno));
        }
    }
    sim_t *s = g_sim;
    pthread_mutex_unlock(&g_lock);
    return s;
}

/* ---- libxenctrl ----------------------------------------------------------- */

struct xc_interface_core {
    sim_t *sim;
};

EXPORT xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                                       unsigned open_flags) {
    (void)logger;
    (void)dombuild_logger;
    (void)open_flags;
    sim_t *s = sim();
    if (!s) return NULL;
    xc_interface *xch = calloc(1, sizeof *xch);
    if (!xch) return NULL;
    xch->sim = s;
    return xch;
}

EXPORT int xc_interface_close(xc_interface *xch) {
    free(xch);
    return 0;
}

static void to_xc(const sim_dominfo *d, xc_dominfo_t *x) {
    memset(x, 0, sizeof *x);
    x->domid = d->domid;
    x->dying = !!(d->flags & SIM_DOMF_DYING);
    /* libxc: a crash is reported as crashed=1, shutdown=0. */
    x->crashed = !!(d->flags & SIM_DOMF_CRASHED);
    x->shutdown = (d->flags & SIM_DOMF_SHUTDOWN) && !(d->flags & SIM_DOMF_CRASHED);
    x->paused = !!(d->flags & SIM_DOMF_PAUSED);
    x->running = !!(d->flags & SIM_DOMF_RUNNING);
    x->shutdown_reason = d->shutdown_reason;
    x->nr_pages = (unsigned long)(d->cur_memkb / 4);
    x->cpu_time = d->cpu_time_ns;
    x->max_memkb = (unsigned long)d->max_memkb;
    x->nr_online_vcpus = d->vcpus;
    x->max_vcpu_id = d->vcpus ? d->vcpus - 1 : 0;
    memcpy(x->handle, d->uuid, sizeof x->handle);
}

EXPORT int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms,
                             xc_dominfo_t *info) {
    if (!xch || (max_doms && !info)) {
        errno = EINVAL;
        return -1;
    }
    sim_dominfo buf[64];
    unsigned done = 0;
    uint32_t next = first_domid;
    while (done < max_doms && next < SIM_NR_DOMIDS) {
        unsigned want = max_doms - done;
        if (want > 64) want = 64;
        int n = sim_domain_getinfo(xch->sim, next, want, buf);
        if (n < 0) return done ? (int)done : -1;
        for (int i = 0; i < n; i++) to_xc(&buf[i], &info[done++]);
        if ((unsigned)n < want) break;
        next = buf[n - 1].domid + 1;
    }
    return (int)done;
}

/* ---- libxenevtchn --------------------------------------------------------- */

struct xenevtchn_handle {
    int fd;
    evtchn_port_t next_port;
    evtchn_port_t virq_port;
};

static xenevtchn_handle *evtchn_new(int fd) {
    xenevtchn_handle *xce = calloc(1, sizeof *xce);
    if (!xce) return NULL;
    xce->fd = fd;
    xce->next_port = 1;
    return xce;
}

EXPORT xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags) {
    (void)logger;
    sim_t *s = sim();
    if (!s) return NULL;
    int fd = sim_dom_exc_listen(s, !(flags & XENEVTCHN_NO_CLOEXEC));
    if (fd < 0) {
        say("cannot listen for the domain-exception interrupt: %s", strerror(errno));
        return NULL;
    }
    xenevtchn_handle *xce = evtchn_new(fd);
    if (!xce) close(fd);
    return xce;
}

EXPORT xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd,
                                          unsigned open_flags) {
    (void)logger;
    if (fd < 0 || open_flags) {
        errno = EINVAL;
        return NULL;
    }
    return evtchn_new(fd);
}

EXPORT int xenevtchn_close(xenevtchn_handle *xce) {
    if (!xce) return 0;
    close(xce->fd);
    free(xce);
    return 0;
}

EXPORT int xenevtchn_fd(xenevtchn_handle *xce) { return xce ? xce->fd : -1; }

EXPORT int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port) {
    (void)xce;
    (void)port;
    return 0; /* no simulated guest listens */
}

static xenevtchn_port_or_error_t new_port(xenevtchn_handle *xce) {
    if (!xce) {
        errno = EINVAL;
        return -1;
    }
    return (xenevtchn_port_or_error_t)xce->next_port++;
}

EXPORT xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                                                            evtchn_port_t remote_port) {
    (void)domid;
    (void)remote_port;
    return new_port(xce);
}

EXPORT xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq) {
    if (virq != VIRQ_DOM_EXC) {
        errno = EINVAL;
        return -1;
    }
    xenevtchn_port_or_error_t p = new_port(xce);
    if (p > 0) xce->virq_port = (evtchn_port_t)p;
    return p;
}

EXPORT int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port) {
    if (xce && port && port == xce->virq_port) xce->virq_port = 0;
    return 0;
}

EXPORT xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce) {
    if (!xce) {
        errno = EINVAL;
        return -1;
    }
    /* All raises so far are one pending VIRQ_DOM_EXC: xenstored re-checks
     * every domain on it. A raise after the drain wakes poll() again. */
    if (sim_dom_exc_drain(xce->fd) < 0) return -1;
    if (!xce->virq_port) {
        errno = EAGAIN;
        return -1;
    }
    return (xenevtchn_port_or_error_t)xce->virq_port;
}

EXPORT int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port) {
    (void)xce;
    (void)port;
    return 0;
}

/* ---- libxengnttab ------------------------------------------------------------ */

struct grant_map {
    void *addr;
    uint32_t domid;
    uint32_t count;
};

struct xengntdev_handle {
    sim_t *sim;
    struct grant_map *maps;
    size_t nr_maps, cap_maps;
};

EXPORT xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags) {
    (void)logger;
    (void)open_flags;
    sim_t *s = sim();
    if (!s) return NULL;
    xengnttab_handle *xgt = calloc(1, sizeof *xgt);
    if (!xgt) return NULL;
    xgt->sim = s;
    return xgt;
}

static void unmap_one(xengnttab_handle *xgt, size_t i) {
    struct grant_map m = xgt->maps[i];
    xgt->maps[i] = xgt->maps[--xgt->nr_maps];
    munmap(m.addr, (size_t)m.count * (size_t)sysconf(_SC_PAGESIZE));
    if (sim_domain_unref(xgt->sim, m.domid) != 0)
        say("unref of domain %u failed: %s", m.domid, strerror(errno));
}

EXPORT int xengnttab_close(xengnttab_handle *xgt) {
    if (!xgt) return 0;
    while (xgt->nr_maps) unmap_one(xgt, xgt->nr_maps - 1);
    free(xgt->maps);
    free(xgt);
    return 0;
}

EXPORT int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants) {
    (void)xgt;
    (void)nr_grants;
    return 0;
}

EXPORT void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot) {
    (void)ref;
    if (!xgt) {
        errno = EINVAL;
        return NULL;
    }
    if (xgt->nr_maps == xgt->cap_maps) {
        size_t cap = xgt->cap_maps ? 2 * xgt->cap_maps : 64;
        struct grant_map *m = realloc(xgt->maps, cap * sizeof *m);
        if (!m) return NULL;
        xgt->maps = m;
        xgt->cap_maps = cap;
    }
    /* Real Xen refuses to map from a domain that is gone or dying. */
    if (sim_domain_ref(xgt->sim, domid) != 0) return NULL;
    void *addr = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), prot, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (addr == MAP_FAILED) {
        int err = errno;
        sim_domain_unref(xgt->sim, domid);
        errno = err;
        return NULL;
    }
    xgt->maps[xgt->nr_maps++] = (struct grant_map){addr, domid, 1};
    return addr;
}

EXPORT int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count) {
    if (!xgt) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < xgt->nr_maps; i++) {
        if (xgt->maps[i].addr == start_address && xgt->maps[i].count == count) {
            unmap_one(xgt, i);
            return 0;
        }
    }
    errno = EINVAL;
    return -1;
}

/* ---- /proc/xen/xsd_port and /proc/xen/xsd_kva --------------------------------- */

static int fake_xsd_port(void) {
    int fd = memfd_create("xsd_port", MFD_CLOEXEC);
    if (fd < 0) return -1;
    char s[16];
    int n = snprintf(s, sizeof s, "%d", DOM0_XENBUS_PORT);
    if (write(fd, s, (size_t)n) != n || lseek(fd, 0, SEEK_SET) != 0) {
        int err = errno;
        close(fd);
        errno = err ? err : EIO;
        return -1;
    }
    return fd;
}

/* dom0's xenbus ring: a zeroed page, so it never has requests. */
static int fake_xsd_kva(void) {
    int fd = memfd_create("xsd_kva", MFD_CLOEXEC);
    if (fd < 0) return -1;
    if (ftruncate(fd, sysconf(_SC_PAGESIZE)) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

static int open_common(const char *path, int flags, mode_t mode) {
    if (path && strcmp(path, XSD_PORT_PATH) == 0) return fake_xsd_port();
    if (path && strcmp(path, XSD_KVA_PATH) == 0) return fake_xsd_kva();
    return openat(AT_FDCWD, path, flags, mode);
}

EXPORT int open(const char *path, int flags, ...) {
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    return open_common(path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...) {
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    return open_common(path, flags, mode);
}
