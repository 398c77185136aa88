/* sim_hv.c: the simulated hypervisor's shared state (see sim_hv.h). */
#include "xen/sim_hv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SIM_MAGIC UINT64_C(0x314d4953544b4c58) /* "XLKTSIM1" */
#define SIM_VERSION 1u
#define SIM_STATE_FILE "hypervisor"
#define SIM_DOM_EXC_SOCK "dom-exc"
#define SIM_DEFAULT_TOTAL_MEMKB (UINT64_C(1) << 30)  /* 1 TiB */
#define SIM_DEFAULT_DOM0_MEMKB (UINT64_C(4) << 20)   /* 4 GiB */
#define SIM_MAX_VCPUS 512u

#define SLOT_EXISTS 0x80000000u

struct sim_slot {
    uint32_t flags; /* SLOT_EXISTS | SIM_DOMF_SHUTDOWN/CRASHED/DYING */
    uint32_t shutdown_reason;
    uint32_t vcpus;
    uint32_t pause_count;
    uint32_t refs;
    int32_t ref_pid; /* the process holding refs (xenstored) */
    uint64_t generation;
    uint64_t max_memkb;
    uint64_t cur_memkb;
    uint64_t cpu_time_ns;
    uint64_t accounted_ns; /* cpu_time_ns is up to date as of this time */
    uint8_t uuid[16];
};

struct sim_header {
    uint64_t magic;
    uint32_t version;
    uint32_t slot_size;
    uint32_t nr_slots;
    uint32_t header_size;
    pthread_mutex_t lock;
    /* under lock: */
    uint32_t nr_domains;
    uint32_t max_domains;
    uint32_t rover;
    uint32_t hi_domid; /* no domain above this one */
    uint64_t total_memkb;
    uint64_t used_memkb;
    uint64_t next_generation;
    uint64_t seq;
    /* atomic: */
    _Atomic uint64_t dom_exc_count;
    /* under lock: the SIM_CAP_* the host does not have (zero: all of them) */
    uint32_t caps_off;
    uint8_t reserved[60];
    struct sim_slot slots[SIM_NR_DOMIDS];
};

struct sim {
    struct sim_header *hdr;
    size_t map_len;
    int tx_fd;
    struct sockaddr_un dom_exc_addr;
    char *dir;
};

/* ---- helpers ------------------------------------------------------------ */

static void signal_suspend_evtchn(sim_t *sim, uint32_t domid);

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool slot_running(const struct sim_slot *s) {
    return (s->flags & SLOT_EXISTS) && s->pause_count == 0 &&
           !(s->flags & (SIM_DOMF_SHUTDOWN | SIM_DOMF_DYING));
}

/* Brings cpu_time_ns up to date; call before any change of the slot. */
static void slot_account(struct sim_slot *s, uint64_t now) {
    if (slot_running(s) && now > s->accounted_ns) s->cpu_time_ns += now - s->accounted_ns;
    s->accounted_ns = now;
}

/* After a process died holding the lock: recompute the derived fields. */
static void repair(struct sim_header *h) {
    uint32_t n = 0, hi = 0;
    uint64_t used = 0;
    for (uint32_t d = 0; d < SIM_NR_DOMIDS; d++) {
        const struct sim_slot *s = &h->slots[d];
        if (!(s->flags & SLOT_EXISTS)) continue;
        n++;
        hi = d;
        used += s->max_memkb;
    }
    h->nr_domains = n;
    h->hi_domid = hi;
    h->used_memkb = used;
    h->seq++;
}

static int lock(sim_t *sim) {
    int r = pthread_mutex_lock(&sim->hdr->lock);
    if (r == EOWNERDEAD) {
        repair(sim->hdr);
        r = pthread_mutex_consistent(&sim->hdr->lock);
    }
    if (r != 0) {
        errno = r == ENOTRECOVERABLE ? EIO : r;
        return -1;
    }
    return 0;
}

static void unlock(sim_t *sim) { pthread_mutex_unlock(&sim->hdr->lock); }

/* Unlocks and returns -1 with errno = err. */
static int fail_unlock(sim_t *sim, int err) {
    unlock(sim);
    errno = err;
    return -1;
}

static int bad_handle(const sim_t *sim) {
    if (sim && sim->hdr) return 0;
    errno = EINVAL;
    return 1;
}

static struct sim_slot *slot_of(sim_t *sim, uint32_t domid) {
    if (domid >= SIM_NR_DOMIDS) return NULL;
    struct sim_slot *s = &sim->hdr->slots[domid];
    return (s->flags & SLOT_EXISTS) ? s : NULL;
}

static void fill_info(const struct sim_slot *s, uint32_t domid, uint64_t now, sim_dominfo *out) {
    memset(out, 0, sizeof *out);
    out->domid = domid;
    out->flags = s->flags & (SIM_DOMF_SHUTDOWN | SIM_DOMF_CRASHED | SIM_DOMF_DYING | SIM_DOMF_HVM);
    if (s->pause_count) out->flags |= SIM_DOMF_PAUSED;
    if (slot_running(s)) out->flags |= SIM_DOMF_RUNNING;
    out->shutdown_reason = s->shutdown_reason;
    out->vcpus = s->vcpus;
    out->pause_count = s->pause_count;
    out->refs = s->refs;
    out->generation = s->generation;
    out->max_memkb = s->max_memkb;
    out->cur_memkb = s->cur_memkb;
    out->cpu_time_ns = s->cpu_time_ns;
    if (slot_running(s) && now > s->accounted_ns) out->cpu_time_ns += now - s->accounted_ns;
    memcpy(out->uuid, s->uuid, sizeof out->uuid);
}

static void random_uuid(uint8_t uuid[16]) {
    size_t got = 0;
    while (got < 16) {
        ssize_t r = getrandom(uuid + got, 16 - got, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            /* No entropy source: fall back to something unique enough. */
            uint64_t t = now_ns() ^ ((uint64_t)getpid() << 32);
            for (; got < 16; got++, t = t * 6364136223846793005u + 1442695040888963407u)
                uuid[got] = (uint8_t)(t >> 56);
            break;
        }
        got += (size_t)r;
    }
    uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40); /* version 4 */
    uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80); /* RFC 4122 variant */
}

/* Whether the refs of a slot are held by a process that is gone: the kernel
 * releases a dead process's grant mappings, so they no longer count. */
static bool refs_orphaned(const struct sim_slot *s) {
    return s->refs && s->ref_pid > 0 && kill(s->ref_pid, 0) != 0 && errno == ESRCH;
}

/* Removes a domain from the table (lock held). */
static void slot_remove(struct sim_header *h, uint32_t domid) {
    struct sim_slot *s = &h->slots[domid];
    h->used_memkb -= s->max_memkb;
    h->nr_domains--;
    memset(s, 0, sizeof *s);
    if (domid == h->hi_domid)
        while (h->hi_domid > 0 && !(h->slots[h->hi_domid].flags & SLOT_EXISTS)) h->hi_domid--;
    h->seq++;
}

static void slot_init(struct sim_header *h, uint32_t domid, uint64_t memkb, uint32_t vcpus,
                      const uint8_t uuid[16], uint32_t pause_count, uint64_t now) {
    struct sim_slot *s = &h->slots[domid];
    memset(s, 0, sizeof *s);
    s->flags = SLOT_EXISTS;
    s->vcpus = vcpus;
    s->pause_count = pause_count;
    s->generation = ++h->next_generation;
    s->max_memkb = s->cur_memkb = memkb;
    s->accounted_ns = now;
    if (uuid)
        memcpy(s->uuid, uuid, 16);
    else
        random_uuid(s->uuid);
    h->nr_domains++;
    h->used_memkb += memkb;
    if (domid > h->hi_domid) h->hi_domid = domid;
    h->seq++;
}

static int init_state(struct sim_header *h) {
    memset(h, 0, offsetof(struct sim_header, slots));
    h->magic = SIM_MAGIC;
    h->version = SIM_VERSION;
    h->slot_size = sizeof(struct sim_slot);
    h->nr_slots = SIM_NR_DOMIDS;
    h->header_size = (uint32_t)offsetof(struct sim_header, slots);

    pthread_mutexattr_t a;
    int r = pthread_mutexattr_init(&a);
    if (r == 0) r = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (r == 0) r = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (r == 0) r = pthread_mutex_init(&h->lock, &a);
    pthread_mutexattr_destroy(&a);
    if (r != 0) {
        errno = r;
        return -1;
    }
    h->max_domains = SIM_NR_DOMIDS;
    h->total_memkb = SIM_DEFAULT_TOTAL_MEMKB;
    uint8_t dom0_uuid[16] = {0};
    slot_init(h, 0, SIM_DEFAULT_DOM0_MEMKB, 1, dom0_uuid, 0, now_ns());
    return 0;
}

static char *path_join(const char *dir, const char *name) {
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* ---- open / close --------------------------------------------------------- */

static int create_file(const char *dir, const char *path, size_t len) {
    char *tmp = path_join(dir, SIM_STATE_FILE ".XXXXXX");
    if (!tmp) return -1;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    int err = 0;
    void *m = MAP_FAILED;
    if (ftruncate(fd, (off_t)len) != 0) err = errno;
    if (!err) {
        m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) err = errno;
    }
    if (!err && init_state(m) != 0) err = errno;
    if (m != MAP_FAILED) munmap(m, len);
    /* Publish the fully initialised file atomically; EEXIST if taken. */
    if (!err && link(tmp, path) != 0) err = errno;
    unlink(tmp);
    free(tmp);
    close(fd);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

sim_t *sim_open(const char *dir, unsigned flags) {
    if (!dir || !*dir || (flags & ~SIM_OPEN_CREATE)) {
        errno = EINVAL;
        return NULL;
    }
    sim_t *sim = calloc(1, sizeof *sim);
    if (!sim) return NULL;
    sim->tx_fd = -1;
    int err = 0;
    char *path = NULL, *sock = NULL;
    int fd = -1;

    sim->dir = strdup(dir);
    path = path_join(dir, SIM_STATE_FILE);
    sock = path_join(dir, SIM_DOM_EXC_SOCK);
    if (!sim->dir || !path || !sock) {
        err = ENOMEM;
        goto out;
    }
    if (strlen(sock) >= sizeof sim->dom_exc_addr.sun_path) {
        err = ENAMETOOLONG;
        goto out;
    }
    sim->dom_exc_addr.sun_family = AF_UNIX;
    memcpy(sim->dom_exc_addr.sun_path, sock, strlen(sock) + 1);

    sim->map_len = sizeof(struct sim_header);
    if ((flags & SIM_OPEN_CREATE) && create_file(dir, path, sim->map_len) != 0) {
        err = errno;
        goto out;
    }
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        err = errno;
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        err = errno;
        goto out;
    }
    if ((size_t)st.st_size != sim->map_len) {
        err = EPROTO;
        goto out;
    }
    void *m = mmap(NULL, sim->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        err = errno;
        goto out;
    }
    sim->hdr = m;
    if (sim->hdr->magic != SIM_MAGIC || sim->hdr->version != SIM_VERSION ||
        sim->hdr->slot_size != sizeof(struct sim_slot) || sim->hdr->nr_slots != SIM_NR_DOMIDS ||
        sim->hdr->header_size != offsetof(struct sim_header, slots)) {
        err = EPROTO;
        goto out;
    }
    sim->tx_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (sim->tx_fd < 0) err = errno;

out:
    if (fd >= 0) close(fd);
    free(path);
    free(sock);
    if (err) {
        sim_close(sim);
        errno = err;
        return NULL;
    }
    return sim;
}

int sim_close(sim_t *sim) {
    if (!sim) return 0;
    if (sim->hdr) munmap(sim->hdr, sim->map_len);
    if (sim->tx_fd >= 0) close(sim->tx_fd);
    free(sim->dir);
    free(sim);
    return 0;
}

const char *sim_dir(const sim_t *sim) { return sim ? sim->dir : NULL; }

/* ---- host ------------------------------------------------------------------- */

int sim_set_limits(sim_t *sim, uint32_t max_domains, uint64_t total_memkb) {
    if (bad_handle(sim)) return -1;
    if (max_domains > SIM_NR_DOMIDS) {
        errno = EINVAL;
        return -1;
    }
    if (lock(sim)) return -1;
    struct sim_header *h = sim->hdr;
    if (max_domains && max_domains < h->nr_domains) return fail_unlock(sim, EINVAL);
    if (total_memkb && total_memkb < h->used_memkb) return fail_unlock(sim, ENOMEM);
    if (max_domains) h->max_domains = max_domains;
    if (total_memkb) h->total_memkb = total_memkb;
    h->seq++;
    unlock(sim);
    return 0;
}

int sim_set_caps(sim_t *sim, uint32_t caps) {
    if (bad_handle(sim)) return -1;
    if (caps & ~SIM_CAP_ALL) {
        errno = EINVAL;
        return -1;
    }
    if (lock(sim)) return -1;
    sim->hdr->caps_off = SIM_CAP_ALL & ~caps;
    sim->hdr->seq++;
    unlock(sim);
    return 0;
}

int sim_hostinfo_get(sim_t *sim, sim_hostinfo *out) {
    if (bad_handle(sim)) return -1;
    if (!out) {
        errno = EINVAL;
        return -1;
    }
    if (lock(sim)) return -1;
    const struct sim_header *h = sim->hdr;
    out->nr_domains = h->nr_domains;
    out->max_domains = h->max_domains;
    out->total_memkb = h->total_memkb;
    out->free_memkb = h->total_memkb - h->used_memkb;
    out->caps = SIM_CAP_ALL & ~h->caps_off;
    out->seq = h->seq;
    unlock(sim);
    out->dom_exc_count = atomic_load(&sim->hdr->dom_exc_count);
    return 0;
}

/* ---- domains ------------------------------------------------------------ */

int sim_domain_create(sim_t *sim, uint32_t *domid, uint64_t memkb, uint32_t vcpus,
                      const uint8_t uuid[16], unsigned flags) {
    if (bad_handle(sim)) return -1;
    if (!domid || memkb == 0 || vcpus == 0 || vcpus > SIM_MAX_VCPUS ||
        (flags & ~(SIM_CREATE_UNPAUSED | SIM_CREATE_HVM)) ||
        (*domid != SIM_DOMID_ANY && (*domid == 0 || *domid > SIM_DOMID_MAX))) {
        errno = EINVAL;
        return -1;
    }
    if (lock(sim)) return -1;
    struct sim_header *h = sim->hdr;
    if (h->nr_domains >= h->max_domains) return fail_unlock(sim, ENOSPC);
    if (memkb > h->total_memkb - h->used_memkb) return fail_unlock(sim, ENOMEM);
    uint32_t d = *domid;
    if (d == SIM_DOMID_ANY) {
        /* Xen's rover: the next free domid after the last one handed out. */
        d = h->rover;
        for (uint32_t n = 0;; n++) {
            if (n == SIM_DOMID_MAX) return fail_unlock(sim, ENOSPC);
            if (++d > SIM_DOMID_MAX) d = 1;
            if (!(h->slots[d].flags & SLOT_EXISTS)) break;
        }
        h->rover = d;
    } else if (h->slots[d].flags & SLOT_EXISTS) {
        return fail_unlock(sim, EEXIST);
    }
    if ((flags & SIM_CREATE_HVM) && (h->caps_off & SIM_CAP_HVM)) return fail_unlock(sim, EOPNOTSUPP);
    slot_init(h, d, memkb, vcpus, uuid, (flags & SIM_CREATE_UNPAUSED) ? 0 : 1, now_ns());
    if (flags & SIM_CREATE_HVM) h->slots[d].flags |= SIM_DOMF_HVM;
    unlock(sim);
    *domid = d;
    return 0;
}

/* Locks and finds a guest domain that is not dying; -1 with errno if none
 * (unlocked then). */
static struct sim_slot *lock_guest(sim_t *sim, uint32_t domid) {
    if (bad_handle(sim)) return NULL;
    if (domid > SIM_DOMID_MAX) {
        errno = ESRCH;
        return NULL;
    }
    if (lock(sim)) return NULL;
    struct sim_slot *s = slot_of(sim, domid);
    if (!s || (s->flags & SIM_DOMF_DYING)) {
        fail_unlock(sim, ESRCH);
        return NULL;
    }
    if (domid == 0) {
        fail_unlock(sim, EPERM);
        return NULL;
    }
    return s;
}

int sim_domain_pause(sim_t *sim, uint32_t domid) {
    struct sim_slot *s = lock_guest(sim, domid);
    if (!s) return -1;
    if (s->pause_count == UINT32_MAX) return fail_unlock(sim, EOVERFLOW);
    slot_account(s, now_ns());
    s->pause_count++;
    sim->hdr->seq++;
    unlock(sim);
    return 0;
}

int sim_domain_unpause(sim_t *sim, uint32_t domid) {
    struct sim_slot *s = lock_guest(sim, domid);
    if (!s) return -1;
    if (s->pause_count == 0) return fail_unlock(sim, EINVAL);
    slot_account(s, now_ns());
    s->pause_count--;
    sim->hdr->seq++;
    unlock(sim);
    return 0;
}

int sim_domain_shutdown(sim_t *sim, uint32_t domid, unsigned reason) {
    if (reason > SIM_SHUTDOWN_MAX) {
        errno = EINVAL;
        return -1;
    }
    struct sim_slot *s = lock_guest(sim, domid);
    if (!s) return -1;
    if (s->flags & SIM_DOMF_SHUTDOWN) { /* the first reason sticks */
        unlock(sim);
        return 0;
    }
    slot_account(s, now_ns());
    s->flags |= SIM_DOMF_SHUTDOWN;
    if (reason == SIM_SHUTDOWN_CRASH) s->flags |= SIM_DOMF_CRASHED;
    s->shutdown_reason = reason;
    sim->hdr->seq++;
    unlock(sim);
    if (reason == SIM_SHUTDOWN_SUSPEND) signal_suspend_evtchn(sim, domid);
    return sim_raise_dom_exc(sim);
}

int sim_domain_resume(sim_t *sim, uint32_t domid) {
    struct sim_slot *s = lock_guest(sim, domid);
    if (!s) return -1;
    if (!(s->flags & SIM_DOMF_SHUTDOWN) || s->shutdown_reason != SIM_SHUTDOWN_SUSPEND) return fail_unlock(sim, EINVAL);
    slot_account(s, now_ns());
    s->flags &= ~SIM_DOMF_SHUTDOWN;
    s->shutdown_reason = 0;
    sim->hdr->seq++;
    unlock(sim);
    return 0;
}

int sim_domain_crash(sim_t *sim, uint32_t domid) {
    return sim_domain_shutdown(sim, domid, SIM_SHUTDOWN_CRASH);
}

int sim_domain_destroy(sim_t *sim, uint32_t domid) {
    if (bad_handle(sim)) return -1;
    if (domid == 0) {
        errno = EPERM;
        return -1;
    }
    if (lock(sim)) return -1;
    struct sim_slot *s = slot_of(sim, domid);
    if (!s) return fail_unlock(sim, ESRCH);
    if (s->flags & SIM_DOMF_DYING) {
        unlock(sim);
        return 0;
    }
    slot_account(s, now_ns());
    if (s->refs == 0 || refs_orphaned(s)) {
        slot_remove(sim->hdr, domid);
    } else {
        s->flags |= SIM_DOMF_DYING;
        sim->hdr->seq++;
    }
    unlock(sim);
    return sim_raise_dom_exc(sim);
}

int sim_domain_set_memory(sim_t *sim, uint32_t domid, uint64_t max_memkb, uint64_t cur_memkb) {
    if (bad_handle(sim)) return -1;
    if (lock(sim)) return -1;
    struct sim_slot *s = slot_of(sim, domid);
    if (!s || (s->flags & SIM_DOMF_DYING)) return fail_unlock(sim, ESRCH);
    uint64_t mx = max_memkb == UINT64_MAX ? s->max_memkb : max_memkb;
    uint64_t cur = cur_memkb == UINT64_MAX ? s->cur_memkb : cur_memkb;
    struct sim_header *h = sim->hdr;
    if (mx == 0 || cur > mx) return fail_unlock(sim, EINVAL);
    if (mx > s->max_memkb && mx - s->max_memkb > h->total_memkb - h->used_memkb)
        return fail_unlock(sim, ENOMEM);
    h->used_memkb = h->used_memkb - s->max_memkb + mx;
    s->max_memkb = mx;
    s->cur_memkb = cur;
    h->seq++;
    unlock(sim);
    return 0;
}

int sim_domain_ref(sim_t *sim, uint32_t domid) {
    if (bad_handle(sim)) return -1;
    if (lock(sim)) return -1;
    struct sim_slot *s = slot_of(sim, domid);
    if (!s || (s->flags & SIM_DOMF_DYING)) return fail_unlock(sim, ESRCH);
    if (s->refs == UINT32_MAX) return fail_unlock(sim, EOVERFLOW);
    s->refs++;
    s->ref_pid = (int32_t)getpid();
    sim->hdr->seq++;
    unlock(sim);
    return 0;
}

int sim_domain_unref(sim_t *sim, uint32_t domid) {
    if (bad_handle(sim)) return -1;
    if (lock(sim)) return -1;
    struct sim_slot *s = slot_of(sim, domid);
    if (!s) return fail_unlock(sim, ESRCH);
    if (s->refs == 0) return fail_unlock(sim, EINVAL);
    bool gone = --s->refs == 0 && (s->flags & SIM_DOMF_DYING);
    if (gone)
        slot_remove(sim->hdr, domid);
    else
        sim->hdr->seq++;
    unlock(sim);
    return gone ? sim_raise_dom_exc(sim) : 0;
}

int sim_domain_getinfo(sim_t *sim, uint32_t first_domid, unsigned max, sim_dominfo *out) {
    if (bad_handle(sim)) return -1;
    if (max > 0 && !out) {
        errno = EINVAL;
        return -1;
    }
    if (max > INT_MAX) max = INT_MAX;
    if (lock(sim)) return -1;
    struct sim_header *h = sim->hdr;
    uint64_t now = now_ns();
    unsigned n = 0;
    bool reaped = false;
    for (uint32_t d = first_domid; n < max && d <= h->hi_domid; d++) {
        struct sim_slot *s = &h->slots[d];
        if (!(s->flags & SLOT_EXISTS)) continue;
        if ((s->flags & SIM_DOMF_DYING) && refs_orphaned(s)) {
            slot_remove(h, d);
            reaped = true;
            continue;
        }
        fill_info(s, d, now, &out[n++]);
    }
    unlock(sim);
    if (reaped) sim_raise_dom_exc(sim);
    return (int)n;
}

int sim_domain_states(sim_t *sim, uint32_t first_domid, unsigned max, sim_domstate *out) {
    if (bad_handle(sim)) return -1;
    if (max > 0 && !out) {
        errno = EINVAL;
        return -1;
    }
    if (max > INT_MAX) max = INT_MAX;
    if (lock(sim)) return -1;
    struct sim_header *h = sim->hdr;
    unsigned n = 0;
    bool reaped = false;
    for (uint32_t d = first_domid; n < max && d <= h->hi_domid; d++) {
        struct sim_slot *s = &h->slots[d];
        if (!(s->flags & SLOT_EXISTS)) continue;
        if ((s->flags & SIM_DOMF_DYING) && refs_orphaned(s)) {
            slot_remove(h, d);
            reaped = true;
            continue;
        }
        sim_domstate *o = &out[n++];
        o->domid = d;
        o->flags = s->flags & (SIM_DOMF_SHUTDOWN | SIM_DOMF_DYING);
        o->shutdown_reason = s->shutdown_reason;
        memcpy(o->uuid, s->uuid, sizeof o->uuid);
    }
    unlock(sim);
    if (reaped) sim_raise_dom_exc(sim);
    return (int)n;
}

int sim_domain_getinfo_one(sim_t *sim, uint32_t domid, sim_dominfo *out) {
    if (bad_handle(sim)) return -1;
    if (!out) {
        errno = EINVAL;
        return -1;
    }
    if (lock(sim)) return -1;
    struct sim_slot *s = slot_of(sim, domid);
    if (!s) return fail_unlock(sim, ESRCH);
    if ((s->flags & SIM_DOMF_DYING) && refs_orphaned(s)) {
        slot_remove(sim->hdr, domid);
        unlock(sim);
        sim_raise_dom_exc(sim);
        errno = ESRCH;
        return -1;
    }
    fill_info(s, domid, now_ns(), out);
    unlock(sim);
    return 0;
}

/* ---- the domain-exception interrupt ---------------------------------------- */

int sim_raise_dom_exc(sim_t *sim) {
    if (bad_handle(sim)) return -1;
    atomic_fetch_add(&sim->hdr->dom_exc_count, 1);
    static const char byte = 'x';
    for (;;) {
        ssize_t r = sendto(sim->tx_fd, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL,
                           (const struct sockaddr *)&sim->dom_exc_addr, sizeof sim->dom_exc_addr);
        if (r >= 0) return 0;
        switch (errno) {
        case EINTR:
            continue;
        case EAGAIN:       /* queue full: one is pending anyway */
        case ECONNREFUSED: /* no listener (any more) */
        case ENOENT:
            return 0;
        default:
            return -1;
        }
    }
}

int sim_dom_exc_listen(sim_t *sim, int cloexec) {
    if (bad_handle(sim)) return -1;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | (cloexec ? SOCK_CLOEXEC : 0), 0);
    if (fd < 0) return -1;
    unlink(sim->dom_exc_addr.sun_path);
    if (bind(fd, (const struct sockaddr *)&sim->dom_exc_addr, sizeof sim->dom_exc_addr) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

int sim_dom_exc_drain(int fd) {
    int n = 0;
    char buf[64];
    for (;;) {
        ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r >= 0) {
            if (n < INT_MAX) n++;
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return n;
        return -1;
    }
}

/* ---- event channels (a suspend's) ------------------------------------------- */

/* The socket address of one end: DIR/evtchn-DOMID-PORT (the guest's) or
 * DIR/suspend-DOMID (the toolstack's). */
static int evtchn_addr(const sim_t *sim, uint32_t domid, int port, struct sockaddr_un *a) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    int n = port >= 0 ? snprintf(a->sun_path, sizeof a->sun_path, "%s/evtchn-%u-%d", sim->dir, domid, port)
                      : snprintf(a->sun_path, sizeof a->sun_path, "%s/suspend-%u", sim->dir, domid);
    if (n < 0 || (size_t)n >= sizeof a->sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

static int send_byte(const sim_t *sim, const struct sockaddr_un *a) {
    static const char byte = 'e';
    for (;;) {
        if (sendto(sim->tx_fd, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)a, sizeof *a) >= 0) return 0;
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return 0; /* one is pending anyway, as an event channel's bit */
        if (errno == ENOENT) errno = ECONNREFUSED;
        return -1;
    }
}

/* Bind a datagram socket at a; a socket file nobody listens on any more (its
 * process died) is taken over, a live one is EADDRINUSE. */
static int bind_end(const struct sockaddr_un *a, int cloexec) {
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | (cloexec ? SOCK_CLOEXEC : 0), 0);
    if (fd < 0) return -1;
    for (int tries = 0; tries < 2; ++tries) {
        if (bind(fd, (const struct sockaddr *)a, sizeof *a) == 0) return fd;
        if (errno != EADDRINUSE || tries) break;
        int probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (probe < 0) break;
        int live = connect(probe, (const struct sockaddr *)a, sizeof *a) == 0 || (errno != ECONNREFUSED && errno != ENOENT);
        close(probe);
        if (live) {
            errno = EADDRINUSE;
            break;
        }
        unlink(a->sun_path);
    }
    int err = errno;
    close(fd);
    errno = err;
    return -1;
}

static void signal_suspend_evtchn(sim_t *sim, uint32_t domid) {
    struct sockaddr_un a;
    int saved = errno;
    if (evtchn_addr(sim, domid, -1, &a) == 0) (void)send_byte(sim, &a);
    errno = saved;
}

/* The toolstack's end is bound and unbound under DIR/suspend-DOMID.lock
 * (flock: released if its holder dies), so two binders never both take
 * over a dead one's socket, nor does an unbind remove a later binder's. */
static int suspend_lock(const sim_t *sim, uint32_t domid) {
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/suspend-%u.lock", sim->dir, domid);
    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR) continue;
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

static int valid_port(sim_t *sim, uint32_t domid, unsigned port) {
    if (bad_handle(sim)) return -1;
    if (port == 0 || port > 65535) {
        errno = EINVAL;
        return -1;
    }
    sim_dominfo info;
    return sim_domain_getinfo_one(sim, domid, &info);
}

int sim_evtchn_offer(sim_t *sim, uint32_t domid, unsigned port, int cloexec) {
    struct sockaddr_un a;
    if (valid_port(sim, domid, port) || evtchn_addr(sim, domid, (int)port, &a)) return -1;
    return bind_end(&a, cloexec);
}

int sim_suspend_evtchn_bind(sim_t *sim, uint32_t domid, unsigned port, int cloexec) {
    struct sockaddr_un guest, ours;
    if (valid_port(sim, domid, port) || evtchn_addr(sim, domid, (int)port, &guest) || evtchn_addr(sim, domid, -1, &ours))
        return -1;
    int probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (probe < 0) return -1;
    int offered = connect(probe, (const struct sockaddr *)&guest, sizeof guest) == 0;
    close(probe);
    if (!offered) { /* Xen: binding a port that is not unbound for us fails */
        errno = EINVAL;
        return -1;
    }
    int lk = suspend_lock(sim, domid);
    if (lk < 0) return -1;
    int fd = bind_end(&ours, cloexec);
    int err = errno;
    close(lk);
    errno = fd < 0 && err == EADDRINUSE ? EBUSY : err;
    return fd;
}

int sim_suspend_evtchn_unbind(sim_t *sim, uint32_t domid, int fd) {
    struct sockaddr_un a;
    int lk = bad_handle(sim) || evtchn_addr(sim, domid, -1, &a) ? -1 : suspend_lock(sim, domid);
    if (lk >= 0) { /* under the lock: never another binder's socket, taken over meanwhile */
        unlink(a.sun_path);
        close(lk);
    }
    return close(fd);
}

int sim_evtchn_notify(sim_t *sim, uint32_t domid, unsigned port) {
    struct sockaddr_un a;
    if (bad_handle(sim) || evtchn_addr(sim, domid, (int)port, &a)) return -1;
    return send_byte(sim, &a);
}

/* ---- shutdown reasons ------------------------------------------------------ */

static const char *const reason_names[] = {"poweroff", "reboot",   "suspend",
                                           "crash",    "watchdog", "soft_reset"};

int sim_shutdown_reason_parse(const char *s) {
    if (!s || !*s) goto bad;
    for (unsigned i = 0; i <= SIM_SHUTDOWN_MAX; i++)
        if (strcmp(s, reason_names[i]) == 0) return (int)i;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno == 0 && *end == '\0' && s[0] >= '0' && s[0] <= '9' && v <= SIM_SHUTDOWN_MAX) return (int)v;
bad:
    errno = EINVAL;
    return -1;
}

const char *sim_shutdown_reason_name(unsigned reason) {
    return reason <= SIM_SHUTDOWN_MAX ? reason_names[reason] : "unknown";
}

int sim__test_lock(sim_t *sim) {
    if (bad_handle(sim)) return -1;
    return lock(sim);
}
