/* xlkit-save-helper: runs libxenguest's xc_domain_save for the library's
 * save operation (ops/save.cpp) and xc_domain_restore for its restore
 * (ops/restore_stream.cpp), in a process of its own, so the long
 * synchronous copy never blocks the thread that drives the caller's event
 * loop (libxl's libxl-save-helper, for the same reason).
 *
 *   xlkit-save-helper save IO_FD DOMID LIVE DEBUG [MAX_ITERATIONS DIRTY_THRESHOLD MAX_TIME_MS MAX_DOWNTIME_MS]
 *   xlkit-save-helper restore IO_FD DOMID STORE_EVTCHN CONSOLE_EVTCHN SEND_BACK_FD
 *
 * restore: IO_FD is positioned at libxenguest's stream (after the libxl
 * LIBXC_CONTEXT record); the event channels are the ones the library
 * allocated (both to domain 0, as libxl's --restore-domain passes them);
 * SEND_BACK_FD is -1 (no checkpoints). It says, on stdout:
 *     log LEVEL TEXT           as for save
 *     restored STORE_MFN CONSOLE_MFN   what xc_domain_restore returned (PVH:
 *                              guest frame numbers)
 *     done RC ERRNO            xc_domain_restore returned; the helper exits
 * and reads nothing. A stream without a CPUID policy (written before Xen
 * 4.14) gets the host's default one, as libxl's static_data_done does.
 * SIGTERM kills it (as libxl's restore helper): the library then destroys
 * the half-made domain.
 *
 * save:
 * IO_FD is inherited, positioned where libxenguest's stream goes. The
 * protocol with the library is lines of text (its own, not libxl's):
 *   helper -> library, on stdout:
 *     progress DONE TOTAL      pages sent of the total, in this pass
 *     iteration N SENT DIRTY MS RATE DOWNTIME
 *                              a precopy pass ended: N, pages sent so far,
 *                              pages still dirty (-1 unknown), the pass's
 *                              milliseconds, pages dirtied per second during
 *                              it, and the milliseconds sending the dirty
 *                              pages would take at the pass's send rate
 *                              (-1 unknown: the first call, before any pass)
 *     suspend                  suspend the guest now; the helper blocks
 *                              until the library answers on stdin
 *     log LEVEL TEXT           libxenguest's messages (warning and up)
 *     done RC ERRNO            xc_domain_save returned; the helper exits
 *   library -> helper, on stdin:
 *     ok | fail                the guest suspended, or could not be
 * SIGTERM (the library's abort) makes IO_FD read-only /dev/null: the next
 * write fails and libxenguest tidies up (log-dirty mode off) before it
 * returns, as libxl's helper does. A closed stdin is a failed suspend.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenguest.h>

#include "precopy_policy.h"

static int io_fd = -1;

static void on_term(int sig) {
    (void)sig;
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) {
        (void)dup2(null, io_fd);
        close(null);
    }
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

static void lg_vmessage(xentoollog_logger *lg, xentoollog_level level, int errnoval, const char *context,
                        const char *format, va_list al) __attribute__((format(printf, 5, 0)));
static void lg_vmessage(xentoollog_logger *lg, xentoollog_level level, int errnoval, const char *context,
                        const char *format, va_list al) {
    (void)lg;
    (void)context;
    if (level < XTL_WARN) return;
    char buf[1024];
    vsnprintf(buf, sizeof buf, format, al);
    for (char *p = buf; *p; ++p)
        if (*p == '\n' || *p == '\r') *p = ' ';
    if (errnoval > 0)
        say("log %d %s: %s", (int)level, buf, strerror(errnoval));
    else
        say("log %d %s", (int)level, buf);
}

static unsigned long last_done = (unsigned long)-1;
static struct timespec last_said;

/* How many times each progress line is said: 1, unless
 * XLKIT_SAVE_HELPER_PROGRESS says otherwise (0: none; N: each N times).
 * A knob for bench/vm/save.py, which measures what progress costs by
 * turning it off and by multiplying it. */
static int progress_repeat(void) {
    static int n = -1;
    if (n < 0) {
        const char *e = getenv("XLKIT_SAVE_HELPER_PROGRESS");
        n = e && *e ? atoi(e) : 1;
        if (n < 0) n = 1;
    }
    return n;
}

static long ms_since(const struct timespec *t) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t->tv_sec) * 1000L + (now.tv_nsec - t->tv_nsec) / 1000000L;
}

/* Whether a report of DONE of TOTAL is worth a line. libxenguest reports
 * every batch (every 1024 pages: 24 times for a 96 MiB guest); each line
 * wakes the library, which parses it and raises a progress event. A line
 * is said for the first report of a pass and for its last; between them,
 * for a tenth of the total more if the last line is 100 ms old, and at
 * least once a second: a bar moves at most ten times a second (more would
 * not be seen) and still moves on a slow link. A pass of a few hundred
 * milliseconds, a checkpoint's, costs a handful of lines; a long one about
 * a dozen. (The library's stall timer watches the data moving on the fd,
 * not these lines.) */
static int worth_saying(unsigned long done, unsigned long total) {
    if (last_done == (unsigned long)-1 || done < last_done || done >= total) return 1;
    const long ms = ms_since(&last_said);
    if (done - last_done >= total / 10 && ms >= 100) return 1;
    return ms >= 1000;
}

static void lg_progress(xentoollog_logger *lg, const char *context, const char *doing_what, int percent,
                        unsigned long done, unsigned long total) {
    (void)lg;
    (void)context;
    (void)doing_what;
    (void)percent;
    if (done == last_done || !worth_saying(done, total)) return;
    last_done = done;
    clock_gettime(CLOCK_MONOTONIC, &last_said);
    for (int i = progress_repeat(); i > 0; --i) say("progress %lu %lu", done, total);
}

static void lg_destroy(xentoollog_logger *lg) { (void)lg; }

static int cb_suspend(void *data) {
    (void)data;
    say("suspend");
    char line[64];
    if (!fgets(line, sizeof line, stdin)) return 0;
    return strncmp(line, "ok", 2) == 0;
}

/* The precopy policy (precopy_policy.h): each pass reported, then the
 * decision. */
static struct xlkit_precopy_policy policy;
static struct xlkit_precopy_clock pclock = {-1, 0, 0};

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cb_precopy(struct precopy_stats stats, void *data) {
    (void)data;
    struct xlkit_precopy_pass pass = {stats.iteration, stats.total_written, stats.dirty_count, 0, 0, 0, 0};
    xlkit_precopy_measure(&pclock, &pass, now_ms());
    say("iteration %u %lu %ld %lld %lld %lld", pass.iteration, pass.total_written, pass.dirty_count, pass.pass_ms,
        pass.dirty_rate, pass.downtime_ms);
    return xlkit_precopy_stop(&policy, &pass) ? XGS_POLICY_STOP_AND_COPY : XGS_POLICY_CONTINUE_PRECOPY;
}

/* A policy argument: a decimal number, 0 keeping the default. */
static int policy_arg(const char *s, unsigned long *out) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || *s == '-') return -1;
    if (v) *out = v;
    return 0;
}

static uint32_t restore_domid;

static int cb_static_data_done(unsigned int missing, void *data) {
    xc_interface *xch = data;
    if (!(missing & XGR_SDD_MISSING_CPUID)) return 0;
    say("log 4 the stream has no CPUID policy (written before Xen 4.14): the host's default is given");
    return xc_cpuid_apply_policy(xch, restore_domid, true, NULL, 0, true, false, false, NULL, NULL);
}

static int restore_main(char **argv) {
    io_fd = atoi(argv[2]);
    restore_domid = (uint32_t)strtoul(argv[3], NULL, 10);
    unsigned store_evtchn = (unsigned)strtoul(argv[4], NULL, 10);
    unsigned console_evtchn = (unsigned)strtoul(argv[5], NULL, 10);
    int send_back_fd = atoi(argv[6]);
    signal(SIGPIPE, SIG_IGN);
    xentoollog_logger lg = {lg_vmessage, lg_progress, lg_destroy};
    xc_interface *xch = xc_interface_open(&lg, &lg, 0);
    if (!xch) {
        say("done -1 %d", errno ? errno : EIO);
        return 1;
    }
    struct restore_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.static_data_done = cb_static_data_done;
    cb.data = xch;
    unsigned long store_mfn = 0, console_mfn = 0;
    errno = 0;
    int r = xc_domain_restore(xch, io_fd, restore_domid, store_evtchn, &store_mfn, 0, console_evtchn, &console_mfn,
                              0, XC_STREAM_PLAIN, &cb, send_back_fd);
    int e = errno;
    xc_interface_close(xch);
    if (r == 0) say("restored %lu %lu", store_mfn, console_mfn);
    say("done %d %d", r, r ? (e ? e : EIO) : 0);
    return r ? 1 : 0;
}

/* HVM containers (PVH) have no device model whose log-dirty mode needs
 * switching, but libxenguest asks for the callback all the same (libxl's
 * is a no-op for PVH too). */
static int cb_switch_qemu_logdirty(uint32_t domid, unsigned enable, void *data) {
    (void)domid;
    (void)enable;
    (void)data;
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 7 && strcmp(argv[1], "restore") == 0) return restore_main(argv);
    xlkit_precopy_policy_init(&policy);
    if ((argc != 6 && argc != 10) || strcmp(argv[1], "save") != 0 ||
        (argc == 10 && (policy_arg(argv[6], &policy.max_iterations) || policy_arg(argv[7], &policy.dirty_threshold) ||
                        policy_arg(argv[8], &policy.max_time_ms) || policy_arg(argv[9], &policy.max_downtime_ms)))) {
        fprintf(stderr, "usage: xlkit-save-helper save IO_FD DOMID LIVE DEBUG"
                        " [MAX_ITERATIONS DIRTY_THRESHOLD MAX_TIME_MS MAX_DOWNTIME_MS]\n"
                        "       xlkit-save-helper restore IO_FD DOMID STORE_EVTCHN CONSOLE_EVTCHN SEND_BACK_FD\n"
                        "(run by libxlkit)\n");
        return 2;
    }
    io_fd = atoi(argv[2]);
    uint32_t domid = (uint32_t)strtoul(argv[3], NULL, 10);
    uint32_t flags = (atoi(argv[4]) ? XCFLAGS_LIVE : 0) | (atoi(argv[5]) ? XCFLAGS_DEBUG : 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    xentoollog_logger lg = {lg_vmessage, lg_progress, lg_destroy};
    xc_interface *xch = xc_interface_open(&lg, &lg, 0);
    if (!xch) {
        say("done -1 %d", errno ? errno : EIO);
        return 1;
    }
    struct save_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.suspend = cb_suspend;
    cb.precopy_policy = cb_precopy;
    cb.switch_qemu_logdirty = cb_switch_qemu_logdirty;
    errno = 0;
    int r = xc_domain_save(xch, io_fd, domid, flags, &cb, XC_STREAM_PLAIN, -1);
    int e = errno;
    xc_interface_close(xch);
    say("done %d %d", r, r ? (e ? e : EIO) : 0);
    return r ? 1 : 0;
}
