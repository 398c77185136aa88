/* xlkit-sim-host: starts, stops and inspects a userspace sim host - the
 * real C xenstored of xen-utils-4.17 as an ordinary process, with xlkit's
 * LD_PRELOAD stand-in and the simulated hypervisor of sim_hv.h.
 *
 *   eval "$(xlkit-sim-host start [--owner PID] [DIR] [-- XENSTORED-ARGS...])"
 *   xlkit-sim-host status DIR
 *   xlkit-sim-host env DIR
 *   xlkit-sim-host stop DIR
 *
 * start creates DIR (default: a new $TMPDIR/xlkit-sim.XXXXXX), the shared
 * state with dom0, and xenstored and the simulated device backends
 * (xlkit-sim-backend) under a small supervisor process that is detached
 * from the caller (new session, reparented) and reaps both, recording how
 * they ended in DIR/xenstored.exit and DIR/backend.exit; when xenstored ends
 * the backends are stopped too. It returns once xenstored answers a read of
 * "/" and the backends watch their devices, and prints the environment a
 * client needs as shell export lines (XLKIT_HOTPLUG_DIR: the sim's hotplug
 * scripts). With --owner PID the host stops itself (both killed, DIR
 * removed) when process PID exits, so a test that is killed or times out
 * leaves nothing behind. Files in DIR: hypervisor (the state), dom-exc (the
 * interrupt socket), socket (xenstored's), xenstored.pid, backend.pid,
 * supervisor.pid, xenstored.log and backend.log (their stdout and stderr),
 * env, xenstored.exit, backend.exit; for the hotplug scripts bridges (the
 * pretend bridges, xenbr0 at first), loop/ and vif/ (pretend loop devices
 * and vifs), hotplug.log.
 *
 * Environment: XLKIT_SIM_PRELOAD (the stand-in .so), XLKIT_XENSTORED (the
 * daemon), XLKIT_SIM_BACKEND (the backends' program), XLKIT_SIM_HOTPLUG_DIR
 * (the scripts' folder), XLKIT_SIM_START_TIMEOUT (seconds, default 10).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "xen/sim_hv.h"

#ifndef SIM_PRELOAD
#define SIM_PRELOAD ""
#endif
#ifndef SIM_BACKEND_BIN
#define SIM_BACKEND_BIN ""
#endif
#ifndef SIM_HOTPLUG_DIR
#define SIM_HOTPLUG_DIR ""
#endif
#define DEFAULT_XENSTORED "/usr/lib/xen-4.17/bin/xenstored"

static const char *prog = "xlkit-sim-host";

static void die_usage(void) {
    fprintf(stderr,
            "usage: %s start [--owner PID] [DIR] [-- XENSTORED-ARGS...]\n"
            "       %s stop DIR | status DIR | env DIR\n",
            prog, prog);
    exit(2);
}

static void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void err(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static char *join(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p) {
        err("out of memory");
        exit(1);
    }
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Writes a small file atomically (tmp + rename). */
static int write_file(const char *dir, const char *name, const char *text) {
    char *path = join(dir, name), *tmp = join(dir, ".tmp.XXXXXX");
    int fd = mkostemp(tmp, O_CLOEXEC), rc = -1;
    if (fd >= 0) {
        size_t len = strlen(text);
        if (write(fd, text, len) == (ssize_t)len && fchmod(fd, 0644) == 0 && rename(tmp, path) == 0)
            rc = 0;
        else
            unlink(tmp);
        close(fd);
    }
    free(path);
    free(tmp);
    return rc;
}

static char *read_file(const char *dir, const char *name) {
    char *path = join(dir, name);
    FILE *f = fopen(path, "re");
    free(path);
    if (!f) return NULL;
    char *buf = calloc(1, 4096);
    if (buf && fread(buf, 1, 4095, f) == 0 && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static pid_t read_pid(const char *dir, const char *name) {
    char *s = read_file(dir, name);
    long v = s ? strtol(s, NULL, 10) : 0;
    free(s);
    return v > 0 && v <= INT_MAX ? (pid_t)v : 0;
}

/* Alive and not a zombie (a killed process can linger as one). */
static bool pid_alive(pid_t pid) {
    if (pid <= 0 || kill(pid, 0) != 0) return pid > 0 && errno == EPERM;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    return !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
}

/* Whether pid runs a program whose name ends in name. */
static bool runs(pid_t pid, const char *name) {
    char path[64], exe[PATH_MAX];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(path, exe, sizeof exe - 1);
    if (n < 0) return errno == EACCES; /* cannot tell: trust the pid file */
    exe[n] = '\0';
    char *del = strstr(exe, " (deleted)");
    if (del) *del = '\0';
    size_t len = strlen(exe), nlen = strlen(name);
    return len >= nlen && strcmp(exe + len - nlen, name) == 0;
}

static bool wait_dead(pid_t pid, double secs) {
    double end = now_s() + secs;
    while (pid_alive(pid)) {
        if (now_s() > end) return false;
        sleep_ms(5);
    }
    return true;
}

static char *quote(const char *s) { /* single-quoted for sh */
    size_t n = 3;
    for (const char *p = s; *p; p++) n += *p == '\'' ? 4 : 1;
    char *q = malloc(n), *o = q;
    if (!q) exit(1);
    *o++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return q;
}

static char *env_text(const char *dir, const char *hotplug) {
    char *sock = join(dir, "socket");
    char *qd = quote(dir), *qs = quote(sock), *qh = quote(hotplug);
    size_t n = 3 * strlen(qd) + strlen(qs) + strlen(qh) + 160;
    char *t = malloc(n);
    if (!t) exit(1);
    snprintf(t, n,
             "export XLKIT_SIM_DIR=%s\nexport XENSTORED_RUNDIR=%s\nexport XENSTORED_PATH=%s\n"
             "export XLKIT_HOTPLUG_DIR=%s\n",
             qd, qd, qs, qh);
    free(sock);
    free(qd);
    free(qs);
    free(qh);
    return t;
}

/* Removes what is in folder fd (name: for messages), depth levels deep. */
static void remove_in(int fd, const char *name, int depth) {
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        int flags = 0;
        if (e->d_type == DT_DIR) {
            if (depth <= 0) continue;
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) remove_in(sub, e->d_name, depth - 1);
            flags = AT_REMOVEDIR;
        }
        if (unlinkat(dirfd(d), e->d_name, flags) != 0 && errno != ENOENT)
            err("cannot remove %s/%s: %s", name, e->d_name, strerror(errno));
    }
    closedir(d);
}

/* Removes DIR with what is in it: start insisted on an empty or new folder,
 * so everything in it is the host's (files, and the scripts' folders of
 * files). */
static int remove_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) remove_in(fd, dir, 1);
    if (rmdir(dir) != 0 && errno != ENOENT) {
        err("cannot remove %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* TERM, then KILL; false if it does not die. */
static bool stop_process(pid_t pid, const char *what) {
    kill(pid, SIGTERM);
    if (wait_dead(pid, 5)) return true;
    kill(pid, SIGKILL);
    if (wait_dead(pid, 5)) return true;
    err("%s (pid %d) does not die", what, (int)pid);
    return false;
}

/* Stops the backends and xenstored, waits for the supervisor to record
 * their ends, removes DIR. */
static int teardown(const char *dir) {
    pid_t pid = read_pid(dir, "xenstored.pid");
    pid_t bpid = read_pid(dir, "backend.pid");
    pid_t sup = read_pid(dir, "supervisor.pid");
    int rc = 0;
    if (bpid > 0 && pid_alive(bpid) && runs(bpid, "xlkit-sim-backend") &&
        !stop_process(bpid, "xlkit-sim-backend"))
        rc = 1;
    if (pid > 0 && pid_alive(pid) && runs(pid, "xenstored") && !stop_process(pid, "xenstored"))
        rc = 1;
    if (sup > 0 && !wait_dead(sup, 5)) err("supervisor (pid %d) still running", (int)sup);
    if (remove_dir(dir) != 0) rc = 1;
    return rc;
}

/* Whether xenstored at this host answers a read of "/" (within secs). */
static bool answers(const char *dir, double secs) {
    char *sock = join(dir, "socket");
    setenv("XENSTORED_PATH", sock, 1);
    setenv("XENSTORED_RUNDIR", dir, 1);
    free(sock);
    double end = now_s() + secs;
    for (;;) {
        struct xs_handle *xs = xs_open(0);
        if (xs) {
            unsigned len = 0;
            char *v = xs_read(xs, XBT_NULL, "/", &len);
            xs_close(xs);
            if (v) {
                free(v);
                return true;
            }
        }
        if (now_s() > end) return false;
        sleep_ms(5);
    }
}

static void show_log(const char *dir, const char *name) {
    char *log = read_file(dir, name);
    if (log && *log) fprintf(stderr, "--- %s/%s ---\n%s", dir, name, log);
    free(log);
}

static bool dir_empty(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return false;
    struct dirent *e;
    bool empty = true;
    while (empty && (e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) empty = false;
    closedir(d);
    return empty;
}

/* ---- start ---------------------------------------------------------------- */

/* A piece of the host: $env_name, else the path the build gave (if it is
 * there), else rel beside this program (the build tree's layout), else the
 * path the build gave. The result is static storage. */
static const char *find_piece(const char *env_name, const char *built, const char *rel, int amode) {
    const char *p = getenv(env_name);
    if (p && *p) return p;
    if (*built && access(built, amode) == 0) return built;
    static char bufs[3][PATH_MAX];
    static int next;
    char *buf = bufs[next++ % 3];
    ssize_t n = readlink("/proc/self/exe", buf, PATH_MAX - 64);
    if (n > 0) {
        buf[n] = '\0';
        char *slash = strrchr(buf, '/');
        if (slash && strlen(rel) < 48) {
            strcpy(slash + 1, rel);
            if (access(buf, amode) == 0) return buf;
        }
    }
    return built;
}

static const char *find_preload(void) {
    const char *p = find_piece("XLKIT_SIM_PRELOAD", SIM_PRELOAD, ".libs/xlkit-sim-preload.so", R_OK);
    if (*p && access(p, R_OK) == 0) return p;
    return find_piece("XLKIT_SIM_PRELOAD", SIM_PRELOAD, "xlkit-sim-preload.so", R_OK);
}

static const char *find_backend(void) {
    return find_piece("XLKIT_SIM_BACKEND", SIM_BACKEND_BIN, "xlkit-sim-backend", X_OK);
}

/* The folder of the sim's hotplug scripts (found by its block script). */
static const char *find_hotplug_dir(void) {
    const char *p = getenv("XLKIT_SIM_HOTPLUG_DIR");
    if (p && *p) return p;
    static char buf[PATH_MAX];
    const char *block = find_piece("XLKIT_SIM_HOTPLUG_DIR", *SIM_HOTPLUG_DIR ? SIM_HOTPLUG_DIR "/block" : "",
                                   "hotplug/block", X_OK);
    snprintf(buf, sizeof buf, "%s", block);
    char *slash = strrchr(buf, '/');
    if (slash) *slash = '\0';
    return buf;
}

/* Makes fd (which may be a close-on-exec pipe end) the child's fd to. */
static void move_fd(int fd, int to) {
    if (fd == to)
        fcntl(fd, F_SETFD, 0);
    else
        dup2(fd, to);
}

/* Records how a child of the supervisor ended in DIR/name. */
static void record_exit(const char *dir, const char *name, int status) {
    char how[128];
    if (WIFEXITED(status))
        snprintf(how, sizeof how, "exited %d\n", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(how, sizeof how, "killed by signal %d (%s)%s\n", WTERMSIG(status),
                 strsignal(WTERMSIG(status)), WCOREDUMP(status) ? ", core dumped" : "");
    else
        snprintf(how, sizeof how, "ended, status %d\n", status);
    write_file(dir, name, how);
}

struct start_args {
    const char *dir, *preload, *xenstored, *backend;
    int ready_w, bready_w; /* pipes: xenstored's pid line, the backends' "ready" */
    char **extra;
    int nextra;
    pid_t owner;
};

static void child_env(const char *dir) {
    char *sock = join(dir, "socket");
    setenv("XLKIT_SIM_DIR", dir, 1);
    setenv("XENSTORED_RUNDIR", dir, 1);
    setenv("XENSTORED_PATH", sock, 1);
    free(sock);
    signal(SIGHUP, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
}

/* The supervisor: detached, runs xenstored and the backends as its
 * children and reaps them. */
static void supervise(const struct start_args *a) {
    const char *dir = a->dir;
    setsid();
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    char *logpath = join(dir, "xenstored.log");
    int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    free(logpath);
    logpath = join(dir, "backend.log");
    int blog = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    free(logpath);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (log < 0 || blog < 0 || null < 0) _exit(1);
    dup2(null, 0);
    dup2(log, 1);
    dup2(log, 2);
    pid_t self = getpid();
    char buf[64];
    snprintf(buf, sizeof buf, "%d\n", (int)self);
    write_file(dir, "supervisor.pid", buf);

    pid_t pid = fork();
    if (pid < 0) _exit(1);
    if (pid == 0) {
        child_env(dir);
        move_fd(a->ready_w, 1); /* -P prints the pid here once it is ready */
        close_range(3, ~0u, 0);
        setenv("LD_PRELOAD", a->preload, 1);
        char **argv = calloc((size_t)a->nextra + 4, sizeof *argv);
        if (!argv) _exit(127);
        int n = 0;
        argv[n++] = (char *)a->xenstored;
        argv[n++] = "-N";
        argv[n++] = "-P";
        for (int i = 0; i < a->nextra; i++) argv[n++] = a->extra[i];
        execv(a->xenstored, argv);
        fprintf(stderr, "%s: cannot run %s: %s\n", prog, a->xenstored, strerror(errno));
        _exit(127);
    }
    /* The backends connect once xenstored listens (they retry until then). */
    pid_t bpid = fork();
    if (bpid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the supervisor */
        if (getppid() != self) _exit(1);
        /* Before start can see it ready (it says so after the exec). */
        char pidbuf[32];
        snprintf(pidbuf, sizeof pidbuf, "%d\n", (int)getpid());
        write_file(dir, "backend.pid", pidbuf);
        child_env(dir);
        dup2(blog, 1);
        dup2(blog, 2);
        move_fd(a->bready_w, 3);
        close_range(4, ~0u, 0);
        execl(a->backend, a->backend, "--ready-fd", "3", dir, (char *)NULL);
        fprintf(stderr, "%s: cannot run %s: %s\n", prog, a->backend, strerror(errno));
        _exit(127);
    }
    close(a->ready_w);
    close(a->bready_w);
    close_range(3, ~0u, 0);
    if (bpid < 0) write_file(dir, "backend.exit", "not started (fork failed)\n");

    /* Wait for xenstored to end (the backends are then stopped), or for the
     * owner (if any) to exit (both are then killed). The backends may end
     * on their own: that is recorded and xenstored goes on. */
    int xfd = pidfd_open(pid, 0);
    int bfd = bpid > 0 ? pidfd_open(bpid, 0) : -1;
    int ofd = a->owner > 0 ? pidfd_open(a->owner, 0) : -1;
    bool owner_gone = a->owner > 0 && ofd < 0 && errno == ESRCH;
    int status = 0;
    for (;;) {
        if (owner_gone) {
            kill(pid, SIGKILL);
            if (bpid > 0) kill(bpid, SIGKILL);
        }
        bool xs_ended = false;
        for (;;) {
            int st;
            pid_t r = waitpid(-1, &st, owner_gone ? 0 : WNOHANG);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            if (r == pid) {
                status = st;
                xs_ended = true;
            } else if (r == bpid) {
                record_exit(dir, "backend.exit", st);
                bpid = 0;
                if (bfd >= 0) close(bfd);
                bfd = -1;
            }
            if (owner_gone && bpid <= 0 && xs_ended) break;
        }
        if (xs_ended) break;
        struct pollfd p[3];
        nfds_t n = 0;
        if (xfd >= 0) p[n++] = (struct pollfd){xfd, POLLIN, 0};
        if (bfd >= 0) p[n++] = (struct pollfd){bfd, POLLIN, 0};
        int oslot = ofd >= 0 ? (int)n : -1;
        if (ofd >= 0) p[n++] = (struct pollfd){ofd, POLLIN, 0};
        /* No pidfds: poll by time. */
        bool polling = xfd < 0 || (bpid > 0 && bfd < 0) || (a->owner > 0 && ofd < 0);
        poll(p, n, polling ? 100 : -1);
        if (oslot >= 0 && (p[oslot].revents & POLLIN)) owner_gone = true;
        if (a->owner > 0 && ofd < 0 && kill(a->owner, 0) != 0 && errno == ESRCH) owner_gone = true;
    }
    if (bpid > 0) { /* xenstored has gone: so do the backends */
        kill(bpid, SIGTERM);
        int st;
        while (waitpid(bpid, &st, 0) < 0 && errno == EINTR) {
        }
        record_exit(dir, "backend.exit", st);
    }
    record_exit(dir, "xenstored.exit", status);
    if (owner_gone) remove_dir(dir);
    _exit(0);
}

/* Reads from fd until a line is complete, EOF or the deadline (now_s()). */
static bool read_line(int fd, char *line, size_t size, double deadline) {
    size_t got = 0;
    bool ok = false;
    while (got < size - 1) {
        int left = (int)((deadline - now_s()) * 1000);
        if (left <= 0) break;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        ssize_t n = read(fd, line + got, size - 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
        if (memchr(line, '\n', got)) {
            ok = true;
            break;
        }
    }
    line[got] = '\0';
    return ok;
}

/* What the hotplug scripts share in DIR: the pretend bridges, loop devices
 * and vifs. */
static int make_script_files(const char *dir) {
    char *loop = join(dir, "loop"), *vif = join(dir, "vif");
    int rc = mkdir(loop, 0755) == 0 && mkdir(vif, 0755) == 0 && write_file(dir, "bridges", "xenbr0\n") == 0 ? 0 : -1;
    if (rc) err("cannot create the hotplug scripts' files in %s: %s", dir, strerror(errno));
    free(loop);
    free(vif);
    return rc;
}

static int cmd_start(int argc, char **argv) {
    /* start [--owner PID] [DIR] [-- XENSTORED-ARGS...] */
    const char *dirarg = NULL;
    struct start_args a = {0};
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--owner") == 0) {
            char *end;
            long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (v <= 0 || v > INT_MAX || *end) die_usage();
            a.owner = (pid_t)v;
            i++;
            continue;
        }
        if (strcmp(argv[i], "--") == 0) {
            a.extra = argv + i + 1;
            a.nextra = argc - i - 1;
            break;
        }
        if (dirarg) die_usage();
        dirarg = argv[i];
    }

    char dirbuf[PATH_MAX];
    if (dirarg) {
        if (mkdir(dirarg, 0755) != 0 && errno != EEXIST) {
            err("cannot create %s: %s", dirarg, strerror(errno));
            return 1;
        }
        if (!realpath(dirarg, dirbuf)) {
            err("%s: %s", dirarg, strerror(errno));
            return 1;
        }
        if (!dir_empty(dirbuf)) {
            char *state = join(dirbuf, "hypervisor");
            bool host = access(state, F_OK) == 0;
            free(state);
            if (host)
                err("%s already holds a sim host (xlkit-sim-host stop %s)", dirbuf, dirbuf);
            else
                err("%s is not empty", dirbuf);
            return 1;
        }
    } else {
        const char *t = getenv("TMPDIR");
        snprintf(dirbuf, sizeof dirbuf, "%s/xlkit-sim.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(dirbuf)) {
            err("cannot create a folder in %s: %s", t && *t ? t : "/tmp", strerror(errno));
            return 1;
        }
    }
    const char *dir = a.dir = dirbuf;
    if (strlen(dir) + sizeof "/socket" > sizeof(((struct sockaddr_un *)0)->sun_path)) {
        err("%s: path too long for a unix socket (max %zu characters)", dir,
            sizeof(((struct sockaddr_un *)0)->sun_path) - sizeof "/socket");
        return 1;
    }
    a.preload = find_preload();
    if (!*a.preload || access(a.preload, R_OK) != 0) {
        err("stand-in library not found (%s); build it or set XLKIT_SIM_PRELOAD",
            *a.preload ? a.preload : "no path");
        return 1;
    }
    a.backend = find_backend();
    if (!*a.backend || access(a.backend, X_OK) != 0) {
        err("simulated backends not found (%s); build them or set XLKIT_SIM_BACKEND",
            *a.backend ? a.backend : "no path");
        return 1;
    }
    const char *hotplug = find_hotplug_dir();
    char *block = join(hotplug, "block");
    bool have_scripts = *hotplug && access(block, X_OK) == 0;
    free(block);
    if (!have_scripts) {
        err("hotplug scripts not found (%s); build them or set XLKIT_SIM_HOTPLUG_DIR",
            *hotplug ? hotplug : "no path");
        return 1;
    }
    a.xenstored = getenv("XLKIT_XENSTORED");
    if (!a.xenstored || !*a.xenstored) a.xenstored = DEFAULT_XENSTORED;
    if (access(a.xenstored, X_OK) != 0) {
        err("%s: %s (apt-get install xen-utils-4.17)", a.xenstored, strerror(errno));
        return 1;
    }
    double timeout = 10;
    if (getenv("XLKIT_SIM_START_TIMEOUT")) timeout = atof(getenv("XLKIT_SIM_START_TIMEOUT"));
    if (timeout <= 0) timeout = 10;

    double t0 = now_s();
    sim_t *sim = sim_open(dir, SIM_OPEN_CREATE);
    if (!sim) {
        if (errno == EEXIST)
            err("%s already holds a sim host (xlkit-sim-host stop %s)", dir, dir);
        else
            err("cannot create the sim state in %s: %s", dir, strerror(errno));
        return 1;
    }
    sim_close(sim);
    if (make_script_files(dir) != 0) {
        teardown(dir);
        return 1;
    }

    int ready[2], bready[2];
    if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(bready, O_CLOEXEC) != 0) {
        err("pipe: %s", strerror(errno));
        return 1;
    }
    a.ready_w = ready[1];
    a.bready_w = bready[1];
    fflush(NULL);
    pid_t mid = fork();
    if (mid < 0) {
        err("fork: %s", strerror(errno));
        return 1;
    }
    if (mid == 0) { /* detach: the supervisor is orphaned at once */
        close(ready[0]);
        close(bready[0]);
        pid_t sup = fork();
        if (sup == 0) supervise(&a);
        _exit(sup < 0 ? 1 : 0);
    }
    close(ready[1]);
    close(bready[1]);
    int st;
    while (waitpid(mid, &st, 0) < 0 && errno == EINTR) {
    }

    /* The pid line xenstored -P prints when its socket and dom0 are ready,
     * then the backends' "ready" once they watch their devices. */
    char line[64];
    bool ok = read_line(ready[0], line, sizeof line, t0 + timeout);
    close(ready[0]);
    pid_t pid = ok ? (pid_t)strtol(line, NULL, 10) : 0;
    if (pid > 0) {
        char buf[32];
        snprintf(buf, sizeof buf, "%d\n", (int)pid);
        write_file(dir, "xenstored.pid", buf);
    }
    bool up = pid > 0 && answers(dir, t0 + timeout - now_s());
    if (!up) {
        err("xenstored did not come up in %s", dir);
        show_log(dir, "xenstored.log");
    }
    bool bup = up && read_line(bready[0], line, sizeof line, t0 + timeout) && strcmp(line, "ready\n") == 0;
    close(bready[0]);
    if (up && !bup) {
        err("the simulated backends did not come up in %s", dir);
        show_log(dir, "backend.log");
    }
    if (!bup) {
        if (pid <= 0) { /* still starting, or never printed its pid */
            pid_t sup = read_pid(dir, "supervisor.pid");
            if (sup > 0) kill(-sup, SIGKILL); /* its session: xenstored too */
        }
        teardown(dir);
        return 1;
    }
    char *env = env_text(dir, hotplug);
    write_file(dir, "env", env);
    fputs(env, stdout);
    free(env);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- stop / status / env ------------------------------------------------------ */

static const char *check_dir(const char *arg, char *buf) {
    if (!realpath(arg, buf)) {
        err("%s: %s", arg, strerror(errno));
        return NULL;
    }
    char *state = join(buf, "hypervisor");
    int ok = access(state, F_OK) == 0;
    free(state);
    if (!ok) {
        err("%s is not a sim host folder (no hypervisor file)", buf);
        return NULL;
    }
    return buf;
}

static int cmd_stop(const char *arg) {
    char buf[PATH_MAX];
    const char *dir = check_dir(arg, buf);
    return dir ? teardown(dir) : 1;
}

static int cmd_status(const char *arg) {
    char buf[PATH_MAX];
    const char *dir = check_dir(arg, buf);
    if (!dir) return 2;
    pid_t pid = read_pid(dir, "xenstored.pid");
    bool alive = pid > 0 && pid_alive(pid);
    bool answering = alive && answers(dir, 1);
    printf("dir: %s\n", dir);
    if (alive)
        printf("xenstored: running, pid %d, %s\n", (int)pid,
               answering ? "answering" : "NOT answering");
    else {
        /* Just died: give the supervisor a moment to record how. */
        pid_t sup = read_pid(dir, "supervisor.pid");
        char *exitpath = join(dir, "xenstored.exit");
        double end = now_s() + 2;
        while (access(exitpath, F_OK) != 0 && sup > 0 && pid_alive(sup) && now_s() < end)
            sleep_ms(2);
        free(exitpath);
        char *how = read_file(dir, "xenstored.exit");
        printf("xenstored: not running%s%s", how ? ", " : "\n", how ? how : "");
        free(how);
    }
    pid_t bpid = read_pid(dir, "backend.pid");
    bool backend = bpid > 0 && pid_alive(bpid);
    if (backend) {
        printf("backends: running, pid %d\n", (int)bpid);
    } else {
        char *how = read_file(dir, "backend.exit");
        printf("backends: not running%s%s", how ? ", " : "\n", how ? how : "");
        free(how);
    }
    sim_t *sim = sim_open(dir, 0);
    sim_hostinfo hi;
    if (sim && sim_hostinfo_get(sim, &hi) == 0)
        printf("domains: %u of %u, memory free %llu of %llu kB, domain exceptions raised: %llu\n",
               hi.nr_domains, hi.max_domains, (unsigned long long)hi.free_memkb,
               (unsigned long long)hi.total_memkb, (unsigned long long)hi.dom_exc_count);
    else
        printf("state: unreadable (%s)\n", strerror(errno));
    sim_close(sim);
    return answering && backend ? 0 : 1;
}

static int cmd_env(const char *arg) {
    char buf[PATH_MAX];
    const char *dir = check_dir(arg, buf);
    if (!dir) return 1;
    char *env = read_file(dir, "env"); /* as start printed it */
    if (!env) env = env_text(dir, find_hotplug_dir());
    fputs(env, stdout);
    free(env);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) die_usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "start") == 0) return cmd_start(argc - 2, argv + 2);
    if (argc != 3) die_usage();
    if (strcmp(cmd, "stop") == 0) return cmd_stop(argv[2]);
    if (strcmp(cmd, "status") == 0) return cmd_status(argv[2]);
    if (strcmp(cmd, "env") == 0) return cmd_env(argv[2]);
    die_usage();
}
