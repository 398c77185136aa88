/* The stand-in for a save helper in bench/vm/save.py: runs the real helper
 * (xl's libxl-save-helper or xlkit-save-helper) with the arguments it was
 * given and appends, to a log, the CPU the real helper used (wait4) and the
 * CPU of this process itself. So the copy's CPU (libxenguest's) is measured
 * apart from the toolstack's own, for both tools alike.
 *
 * It is small and linked statically so that it costs next to nothing
 * itself (a bash wrapper costs tens of milliseconds of CPU under
 * emulation, which would be counted as the toolstack's own). Its own CPU
 * ("self") includes what the toolstack's fork cost in the child before the
 * exec: that is the toolstack's, and save.py counts it as such.
 *
 * save.py builds it in dom0 with
 *   cc -O2 -static -DREAL='"PATH"' -DLOG='"PATH"' -DTAG='"xl"' -o W helper_wrap.c
 * Log line: "TAG MODE helper USER SYS self USER SYS wall SECS" (seconds;
 * wall: from the spawn to the reap). */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile pid_t child = -1;

static void forward(int sig) {
    if (child > 0) kill(child, sig);
}

static double secs(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    argv[0] = (char *)REAL;
    pid_t pid;
    double t0 = now();
    if (posix_spawn(&pid, REAL, NULL, NULL, argv, environ) != 0) return 127;
    child = pid;
    int status = 0;
    struct rusage ru, self;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR) return 127;
    double wall = now() - t0;
    getrusage(RUSAGE_SELF, &self);
    FILE *f = fopen(LOG, "a");
    if (f) {
        fprintf(f, "%s %s helper %.6f %.6f self %.6f %.6f wall %.6f\n", TAG, argc > 1 ? argv[1] : "-",
                secs(ru.ru_utime), secs(ru.ru_stime), secs(self.ru_utime), secs(self.ru_stime), wall);
        fclose(f);
    }
    if (WIFSIGNALED(status)) {
        signal(WTERMSIG(status), SIG_DFL);
        raise(WTERMSIG(status));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
