/* xlkit-sim-backend: the other ends of a sim host's virtual devices - what
 * Linux's blkback and netback do in dom0, and what the guests' blkfront and
 * netfront do - acted out on the sim's xenstore, so a toolstack's device
 * operations can be tested without Xen. xlkit-sim-host starts it with
 * xenstored and stops it with it; see docs/hosts.md ("The simulated
 * backends").
 *
 *   xlkit-sim-backend [--ready-fd N] DIR
 *
 * DIR is the sim host (its hypervisor state tells which guests run);
 * xenstored is the one XENSTORED_PATH names. Once its watches are set and
 * the devices already present are handled it writes "ready\n" to fd N.
 * It logs each state it writes to stderr.
 *
 * Devices: /local/domain/0/backend/{vbd,vif}/DOMID/DEVID, each with the
 * frontend its "frontend" node names. Everything is level-triggered: any
 * change to a device's backend or frontend directory or to the failure
 * modes, or (while a guest the device waits for is paused or shut down) a
 * change of the hypervisor's state, looked at every 20 ms, re-reads the
 * device and applies the first rule that holds, as the drivers would:
 *
 *   backend (blkback, netback), unless the kind's mode is no-initwait:
 *     state 1, online 1                        -> probe: state 2 (InitWait)
 *     state 2, hotplug done, frontend ready    -> connect: state 4
 *       hotplug done: vbd physical-device written; vif hotplug-status
 *       "connected", or no hotplug-status node at all (netback then does
 *       not wait for the script, which is why libxl writes it empty);
 *       frontend ready: vbd 3 or 4 (blkfront), vif 4 (netfront)
 *     frontend closed (6), or its directory removed after it was seen
 *                                              -> state 6 (Closed),
 *       unless the mode is no-close
 *   frontend (the guest's driver), only while its domain runs (exists,
 *   same generation as when the device was first seen, not paused, shut
 *   down or dying):
 *     backend 5 or 6, frontend not 6           -> state 6
 *     backend 2, frontend 1, mode not no-connect
 *       vbd: ring-ref, event-channel, protocol -> state 3 (Initialised)
 *       vif: tx/rx-ring-ref, event-channel...  -> state 4 (Connected)
 *     vbd: backend 4, frontend 3               -> state 4
 *
 * Failure modes, one per kind: /xlkit-sim/backend/vbd and .../vif hold
 * normal (also when missing or empty), no-initwait, no-connect or no-close.
 * A barrier for tests: a value written to /xlkit-sim/backend/sync is
 * written back to /xlkit-sim/backend/synced once everything xenstored told
 * the backends before it, and everything their own writes then caused, has
 * been handled.
 * A state is written as xenbus_switch_state() does: in a transaction that
 * first reads the state node, and never if the node has gone (so a removed
 * directory is not brought back) or already holds the value.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "xen/sim_hv.h"

#define BACKEND_ROOT "/local/domain/0/backend"
#define MODE_ROOT "/xlkit-sim/backend"
#define POLL_MS 20 /* how often a paused guest's state is looked at */

enum { XB_INITIALISING = 1, XB_INITWAIT = 2, XB_INITIALISED = 3, XB_CONNECTED = 4,
       XB_CLOSING = 5, XB_CLOSED = 6 };
enum kind { VBD, VIF, NKINDS };
enum mode { NORMAL, NO_INITWAIT, NO_CONNECT, NO_CLOSE };

static const char *const kind_names[NKINDS] = {"vbd", "vif"};
static const char *const mode_names[] = {"normal", "no-initwait", "no-connect", "no-close"};

static struct xs_handle *xs;
static sim_t *sim;
static enum mode modes[NKINDS];
static struct timespec t_start;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double t = (double)(now.tv_sec - t_start.tv_sec) + (double)(now.tv_nsec - t_start.tv_nsec) / 1e9;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[%10.6f] ", t);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void *xmalloc(size_t n) {
    void *p = calloc(1, n);
    if (!p) {
        logf_("out of memory");
        exit(1);
    }
    return p;
}

static char *xstrdup(const char *s) {
    char *p = xmalloc(strlen(s) + 1);
    strcpy(p, s);
    return p;
}

static char *path2(const char *dir, const char *node) {
    size_t n = strlen(dir) + strlen(node) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, node);
    return p;
}

/* ---- xenstore helpers ---------------------------------------------------- */

static char *rd(xs_transaction_t t, const char *dir, const char *node) {
    char *p = path2(dir, node);
    unsigned len;
    char *v = xs_read(xs, t, p, &len);
    free(p);
    return v;
}

/* The integer in dir/node, or dflt if it is missing or not a number. */
static int rd_int(const char *dir, const char *node, int dflt) {
    char *v = rd(XBT_NULL, dir, node);
    if (!v) return dflt;
    char *end;
    long n = strtol(v, &end, 10);
    int r = end != v && *end == '\0' && n >= INT_MIN && n <= INT_MAX ? (int)n : dflt;
    free(v);
    return r;
}

static bool exists(const char *path) {
    unsigned len;
    char *v = xs_read(xs, XBT_NULL, path, &len);
    free(v);
    return v != NULL;
}

struct kv {
    const char *node, *value;
};

/* xenbus_switch_state, with the other nodes the driver writes at the same
 * time: nothing is written if dir/state has gone or already holds state.
 * Returns 1 if written, 0 if not, -1 on an error. */
static int switch_state(const char *dir, int state, const struct kv *kv, size_t nkv) {
    for (int attempt = 0; attempt < 100; attempt++) {
        xs_transaction_t t = xs_transaction_start(xs);
        if (t == XBT_NULL) return -1;
        char *cur = rd(t, dir, "state");
        bool skip = !cur || atoi(cur) == state;
        free(cur);
        bool ok = true;
        if (!skip) {
            char buf[16];
            for (size_t i = 0; ok && i < nkv; i++) {
                char *p = path2(dir, kv[i].node);
                ok = xs_write(xs, t, p, kv[i].value, (unsigned)strlen(kv[i].value));
                free(p);
            }
            snprintf(buf, sizeof buf, "%d", state);
            char *p = path2(dir, "state");
            ok = ok && xs_write(xs, t, p, buf, (unsigned)strlen(buf));
            free(p);
        }
        if (xs_transaction_end(xs, t, skip || !ok)) return skip ? 0 : ok ? 1 : -1;
        if (errno != EAGAIN) return -1;
    }
    errno = EAGAIN;
    return -1;
}

/* ---- devices ---------------------------------------------------------------- */

struct dev {
    struct dev *next;       /* hash chain */
    struct dev *dirty_next; /* on the dirty list while dirty */
    char *be;               /* /local/domain/0/backend/KIND/DOMID/DEVID */
    char *fe;               /* the frontend directory, once read */
    char *fe_token;         /* its watch's token, "F" + be */
    char *label;            /* "vbd 5/51712" */
    enum kind kind;
    uint32_t domid;
    uint64_t generation;    /* of the guest when first seen; 0 unknown */
    bool fe_seen;           /* the frontend's state was seen once */
    bool dirty;
    bool waiting;           /* the guest would act if it ran */
};

#define NBUCKETS 4096u
static struct dev *buckets[NBUCKETS];
static struct dev *dirty_head, **dirty_tail = &dirty_head; /* in arrival order */
static size_t ndevs, nwaiting;

static unsigned hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h % NBUCKETS;
}

static struct dev *find(const char *be) {
    for (struct dev *d = buckets[hash(be)]; d; d = d->next)
        if (strcmp(d->be, be) == 0) return d;
    return NULL;
}

static void mark(struct dev *d) {
    if (d->dirty) return;
    d->dirty = true;
    d->dirty_next = NULL;
    *dirty_tail = d;
    dirty_tail = &d->dirty_next;
}

static void mark_all(bool waiting_only) {
    for (unsigned b = 0; b < NBUCKETS; b++)
        for (struct dev *d = buckets[b]; d; d = d->next)
            if (!waiting_only || d->waiting) mark(d);
}

static struct dev *add(enum kind k, uint32_t domid, const char *devid) {
    char be[256];
    snprintf(be, sizeof be, "%s/%s/%" PRIu32 "/%s", BACKEND_ROOT, kind_names[k], domid, devid);
    struct dev *d = find(be);
    if (d) return d;
    d = xmalloc(sizeof *d);
    d->be = xstrdup(be);
    size_t n = strlen(be) + 2;
    d->fe_token = xmalloc(n);
    snprintf(d->fe_token, n, "F%s", be);
    n = strlen(devid) + 32;
    d->label = xmalloc(n);
    snprintf(d->label, n, "%s %" PRIu32 "/%s", kind_names[k], domid, devid);
    d->kind = k;
    d->domid = domid;
    unsigned b = hash(be);
    d->next = buckets[b];
    buckets[b] = d;
    ndevs++;
    return d;
}

/* The backend directory has gone: stop watching its frontend. The device is
 * not on the dirty list (it is being evaluated). */
static void forget(struct dev *d) {
    logf_("%s: backend removed, forgotten", d->label);
    if (d->fe) (void)xs_unwatch(xs, d->fe, d->fe_token);
    struct dev **pp = &buckets[hash(d->be)];
    while (*pp != d) pp = &(*pp)->next;
    *pp = d->next;
    if (d->waiting) nwaiting--;
    ndevs--;
    free(d->be);
    free(d->fe);
    free(d->fe_token);
    free(d->label);
    free(d);
}

static bool parse_domid(const char *s, uint32_t *out) {
    char *end;
    if (*s < '0' || *s > '9') return false;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v > SIM_DOMID_MAX) return false;
    *out = (uint32_t)v;
    return true;
}

static bool parse_kind(const char *s, size_t len, enum kind *out) {
    for (int k = 0; k < NKINDS; k++)
        if (strlen(kind_names[k]) == len && strncmp(s, kind_names[k], len) == 0) {
            *out = (enum kind)k;
            return true;
        }
    return false;
}

/* Finds the devices under BACKEND_ROOT/KIND[/DOMID] (k < 0: every kind;
 * domid < 0: every domain) and marks them dirty, with every device already
 * known there (some may have gone). */
static void rescan(int k, int64_t domid) {
    for (int kk = 0; kk < NKINDS; kk++) {
        if (k >= 0 && kk != k) continue;
        char kdir[128];
        snprintf(kdir, sizeof kdir, "%s/%s", BACKEND_ROOT, kind_names[kk]);
        unsigned ndom = 0;
        char **doms = NULL;
        if (domid >= 0) {
            doms = xmalloc(sizeof *doms + 16);
            doms[0] = (char *)(doms + 1);
            snprintf(doms[0], 16, "%" PRId64, domid);
            ndom = 1;
        } else {
            doms = xs_directory(xs, XBT_NULL, kdir, &ndom);
        }
        for (unsigned i = 0; doms && i < ndom; i++) {
            uint32_t dom;
            if (!parse_domid(doms[i], &dom)) continue;
            char *ddir = path2(kdir, doms[i]);
            unsigned nid = 0;
            char **ids = xs_directory(xs, XBT_NULL, ddir, &nid);
            for (unsigned j = 0; ids && j < nid; j++) mark(add((enum kind)kk, dom, ids[j]));
            free(ids);
            free(ddir);
        }
        free(doms);
    }
    for (unsigned b = 0; b < NBUCKETS; b++)
        for (struct dev *d = buckets[b]; d; d = d->next)
            if ((k < 0 || (int)d->kind == k) && (domid < 0 || d->domid == (uint32_t)domid)) mark(d);
}

/* A watch event under BACKEND_ROOT. */
static void backend_event(const char *path) {
    size_t rl = strlen(BACKEND_ROOT);
    if (strncmp(path, BACKEND_ROOT, rl) != 0 || (path[rl] != '/' && path[rl] != '\0')) return;
    const char *p = path + rl;
    if (*p == '\0') {
        rescan(-1, -1);
        return;
    }
    p++;
    const char *slash = strchr(p, '/');
    enum kind k;
    if (!parse_kind(p, slash ? (size_t)(slash - p) : strlen(p), &k)) return;
    if (!slash) {
        rescan(k, -1);
        return;
    }
    p = slash + 1;
    slash = strchr(p, '/');
    char dom_s[16];
    size_t dl = slash ? (size_t)(slash - p) : strlen(p);
    uint32_t dom;
    if (dl == 0 || dl >= sizeof dom_s) return;
    memcpy(dom_s, p, dl);
    dom_s[dl] = '\0';
    if (!parse_domid(dom_s, &dom)) return;
    if (!slash) {
        rescan(k, dom);
        return;
    }
    p = slash + 1;
    slash = strchr(p, '/');
    char id[64];
    size_t il = slash ? (size_t)(slash - p) : strlen(p);
    if (il == 0 || il >= sizeof id) return;
    memcpy(id, p, il);
    id[il] = '\0';
    mark(add(k, dom, id));
}

/* ---- the guest ------------------------------------------------------------------ */

struct guest {
    bool exists; /* this device's domain, not a later one on the same domid */
    bool running;
    bool dying;
};

static struct guest guest_of(struct dev *d) {
    struct guest g = {false, false, false};
    sim_dominfo info;
    if (sim_domain_getinfo_one(sim, d->domid, &info) != 0) return g;
    if (d->generation == 0) d->generation = info.generation;
    if (info.generation != d->generation) return g;
    g.exists = true;
    g.running = (info.flags & SIM_DOMF_RUNNING) != 0;
    g.dying = (info.flags & SIM_DOMF_DYING) != 0;
    return g;
}

/* What the guest's frontend driver does now; returns whether it would do
 * something if its domain ran (*acted: whether it did). */
static bool frontend_step(struct dev *d, bool running, int bs, int *fs, bool *acted) {
    *acted = false;
    if (*fs < 0) return false;
    int want = 0;
    struct kv kv[6];
    size_t nkv = 0;
    char evtchn[16];
    snprintf(evtchn, sizeof evtchn, "%d", 10 + (int)(d->domid % 1000));
    if ((bs == XB_CLOSING || bs == XB_CLOSED) && *fs != XB_CLOSED) {
        want = XB_CLOSED;
    } else if (bs == XB_INITWAIT && *fs == XB_INITIALISING && modes[d->kind] != NO_CONNECT) {
        if (d->kind == VBD) {
            kv[nkv++] = (struct kv){"ring-ref", "8"};
            kv[nkv++] = (struct kv){"event-channel", evtchn};
            kv[nkv++] = (struct kv){"protocol", "x86_64-abi"};
            want = XB_INITIALISED;
        } else {
            kv[nkv++] = (struct kv){"tx-ring-ref", "8"};
            kv[nkv++] = (struct kv){"rx-ring-ref", "9"};
            kv[nkv++] = (struct kv){"event-channel", evtchn};
            kv[nkv++] = (struct kv){"request-rx-copy", "1"};
            kv[nkv++] = (struct kv){"feature-rx-notify", "1"};
            want = XB_CONNECTED;
        }
    } else if (d->kind == VBD && bs == XB_CONNECTED && *fs == XB_INITIALISED) {
        want = XB_CONNECTED;
    }
    if (!want) return false;
    if (!running) return true;
    int r = switch_state(d->fe, want, kv, nkv);
    if (r > 0) {
        logf_("%s: frontend %d -> %d", d->label, *fs, want);
        *fs = want;
        *acted = true;
    } else if (r < 0) {
        logf_("%s: frontend %s: cannot write state %d: %s", d->label, d->fe, want, strerror(errno));
    }
    return true;
}

static bool hotplug_done(struct dev *d) {
    char *v = rd(XBT_NULL, d->be, d->kind == VBD ? "physical-device" : "hotplug-status");
    bool done = d->kind == VBD ? v && *v : !v || strcmp(v, "connected") == 0;
    free(v);
    return done;
}

/* blkback/netback: the state the backend moves to now (0: none), with the
 * nodes written beside it (sectors is room for one of their values). */
static int backend_step(struct dev *d, int bs, int fs, struct kv *kv, size_t *nkv, char *sectors,
                        size_t sectors_len) {
    enum mode m = modes[d->kind];
    *nkv = 0;
    if (m == NO_INITWAIT) return 0; /* as if the driver were not loaded */
    if (bs == XB_INITIALISING) {
        if (rd_int(d->be, "online", 0) != 1) return 0;
        if (d->kind == VIF) {
            kv[(*nkv)++] = (struct kv){"feature-sg", "1"};
            kv[(*nkv)++] = (struct kv){"feature-rx-copy", "1"};
            kv[(*nkv)++] = (struct kv){"feature-split-event-channels", "1"};
        }
        return XB_INITWAIT;
    }
    /* The frontend closed, or its directory was removed (after it was seen,
     * or while the toolstack closes the device). */
    if (fs == XB_CLOSED || (fs < 0 && (d->fe_seen || bs == XB_CLOSING)))
        return bs != XB_CLOSED && m != NO_CLOSE ? XB_CLOSED : 0;
    bool fe_ready = d->kind == VBD ? fs == XB_INITIALISED || fs == XB_CONNECTED : fs == XB_CONNECTED;
    if (bs != XB_INITWAIT || !fe_ready || !hotplug_done(d)) return 0;
    if (d->kind == VBD) { /* blkback's connect: what the frontend needs */
        char *params = rd(XBT_NULL, d->be, "params");
        char *mode = rd(XBT_NULL, d->be, "mode");
        struct stat st;
        unsigned long long n = 0;
        if (params && stat(params, &st) == 0 && S_ISREG(st.st_mode)) n = (unsigned long long)st.st_size / 512;
        snprintf(sectors, sectors_len, "%llu", n);
        kv[(*nkv)++] = (struct kv){"sectors", sectors};
        kv[(*nkv)++] = (struct kv){"sector-size", "512"};
        kv[(*nkv)++] = (struct kv){"info", mode && strchr(mode, 'w') ? "0" : "4"}; /* VDISK_READONLY */
        kv[(*nkv)++] = (struct kv){"feature-flush-cache", "1"};
        free(params);
        free(mode);
    }
    return XB_CONNECTED;
}

static void evaluate(struct dev *d) {
    char *st = rd(XBT_NULL, d->be, "state");
    if (!st) {
        if (!exists(d->be)) forget(d);
        return; /* being written: the state node comes later */
    }
    int bs = atoi(st);
    free(st);
    if (!d->fe) {
        d->fe = rd(XBT_NULL, d->be, "frontend");
        if (d->fe && (!*d->fe || !xs_watch(xs, d->fe, d->fe_token))) {
            if (*d->fe) logf_("%s: cannot watch %s: %s", d->label, d->fe, strerror(errno));
            free(d->fe);
            d->fe = NULL;
        }
    }
    int fs = d->fe ? rd_int(d->fe, "state", -1) : -1;
    if (fs >= 0) d->fe_seen = true;
    struct guest g = guest_of(d);

    bool acted;
    bool would = frontend_step(d, g.running, bs, &fs, &acted);
    bool waiting = would && !acted && g.exists && !g.running && !g.dying;
    if (waiting != d->waiting) {
        d->waiting = waiting;
        if (waiting)
            nwaiting++;
        else
            nwaiting--;
    }

    struct kv kv[8];
    size_t nkv;
    char sectors[32];
    int want = backend_step(d, bs, fs, kv, &nkv, sectors, sizeof sectors);
    if (!want) return;
    int r = switch_state(d->be, want, kv, nkv);
    if (r > 0) logf_("%s: backend %d -> %d", d->label, bs, want);
    if (r < 0) logf_("%s: cannot write state %d: %s", d->label, want, strerror(errno));
}

/* ---- modes ------------------------------------------------------------------------ */

static bool read_modes(void) {
    bool changed = false;
    for (int k = 0; k < NKINDS; k++) {
        char path[64];
        snprintf(path, sizeof path, "%s/%s", MODE_ROOT, kind_names[k]);
        unsigned len;
        char *v = xs_read(xs, XBT_NULL, path, &len);
        enum mode m = NORMAL;
        if (v && *v) {
            size_t i;
            for (i = 0; i < sizeof mode_names / sizeof *mode_names; i++)
                if (strcmp(v, mode_names[i]) == 0) break;
            if (i < sizeof mode_names / sizeof *mode_names)
                m = (enum mode)i;
            else
                logf_("%s = '%s': unknown mode, taken as normal", path, v);
        }
        free(v);
        if (m != modes[k]) {
            logf_("%s: mode %s", kind_names[k], mode_names[m]);
            modes[k] = m;
            changed = true;
        }
    }
    return changed;
}

/* ---- main loop ------------------------------------------------------------------- */

static char *sync_value; /* a sync to answer once settled */

static void handle(char **vec) {
    const char *path = vec[XS_WATCH_PATH], *token = vec[XS_WATCH_TOKEN];
    switch (token[0]) {
    case 'B':
        backend_event(path);
        break;
    case 'F': {
        struct dev *d = find(token + 1);
        if (d) mark(d);
        break;
    }
    case 'M':
        if (strcmp(path, MODE_ROOT "/sync") == 0) {
            unsigned len;
            char *v = xs_read(xs, XBT_NULL, path, &len);
            if (v) {
                free(sync_value);
                sync_value = v;
            }
        } else if (read_modes()) {
            mark_all(false);
        }
        break;
    }
}

static void run_dirty(void) {
    while (dirty_head) {
        struct dev *d = dirty_head;
        dirty_head = d->dirty_next;
        if (!dirty_head) dirty_tail = &dirty_head;
        d->dirty = false;
        evaluate(d);
    }
}

/* Reads every queued watch event; false when xenstored has gone. */
static bool drain(void) {
    for (;;) {
        char **vec = xs_check_watch(xs);
        if (!vec) return errno == EAGAIN;
        handle(vec);
        free(vec);
    }
}

static void usage(void) {
    fprintf(stderr, "usage: xlkit-sim-backend [--ready-fd N] DIR\n");
    exit(2);
}

int main(int argc, char **argv) {
    int ready_fd = -1;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ready-fd") == 0 && i + 1 < argc) {
            ready_fd = atoi(argv[++i]);
        } else if (!dir && argv[i][0] != '-') {
            dir = argv[i];
        } else {
            usage();
        }
    }
    if (!dir) usage();
    clock_gettime(CLOCK_MONOTONIC, &t_start);
    setvbuf(stderr, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);

    sim = sim_open(dir, 0);
    if (!sim) {
        logf_("cannot open the sim host in %s: %s", dir, strerror(errno));
        return 1;
    }
    /* xenstored may still be starting: try for as long as a host's start. */
    double timeout = getenv("XLKIT_SIM_START_TIMEOUT") ? atof(getenv("XLKIT_SIM_START_TIMEOUT")) : 10;
    if (timeout <= 0) timeout = 10;
    for (long waited = 0; !(xs = xs_open(0)); waited += 5) {
        if (waited > timeout * 1000) {
            logf_("cannot connect to xenstored: %s", strerror(errno));
            return 1;
        }
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    for (int k = 0; k < NKINDS; k++) {
        char path[64];
        snprintf(path, sizeof path, "%s/%s", MODE_ROOT, kind_names[k]);
        if (!exists(path)) (void)xs_write(xs, XBT_NULL, path, "normal", 6);
    }
    /* No @releaseDomain: a guest that has gone does nothing more, which
     * needs no telling; one that runs again is seen by polling. */
    if (!xs_watch(xs, MODE_ROOT, "M") || !xs_watch(xs, BACKEND_ROOT, "B")) {
        logf_("cannot set watches: %s", strerror(errno));
        return 1;
    }
    /* Each watch fires once when set: the modes are read and every device
     * already there is handled before we say we are ready. */
    read_modes();
    rescan(-1, -1);
    run_dirty();
    logf_("ready: watching %s, modes in %s", BACKEND_ROOT, MODE_ROOT);
    if (ready_fd >= 0) {
        (void)!write(ready_fd, "ready\n", 6);
        close(ready_fd);
    }

    uint64_t seen_seq = 0;
    int fd = xs_fileno(xs);
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, nwaiting ? POLL_MS : -1);
        if (r < 0 && errno != EINTR) {
            logf_("poll: %s", strerror(errno));
            return 1;
        }
        if (!drain()) {
            logf_("xenstored has gone: %s", strerror(errno));
            return 0;
        }
        if (nwaiting) { /* a guest it waits for may have been unpaused */
            sim_hostinfo hi;
            if (sim_hostinfo_get(sim, &hi) == 0 && hi.seq != seen_seq) {
                seen_seq = hi.seq;
                mark_all(true);
            }
        }
        run_dirty();
        /* A sync: handle what our own writes caused (their events are
         * queued by the time each write returns) until nothing is left. */
        while (sync_value) {
            if (!drain()) {
                logf_("xenstored has gone: %s", strerror(errno));
                return 0;
            }
            if (dirty_head) {
                run_dirty();
                continue;
            }
            if (!xs_write(xs, XBT_NULL, MODE_ROOT "/synced", sync_value, (unsigned)strlen(sync_value)))
                logf_("cannot answer a sync: %s", strerror(errno));
            free(sync_value);
            sync_value = NULL;
        }
    }
}
