/* xs-request-cost: what one xenstore read costs the calling process
 * through libxenstore, on a handle without a watch, with a watch on another
 * handle, and with a watch on the same handle (whose replies then come
 * through libxenstore's reader thread). Run in dom0, e.g. in Xen in a box:
 *   tools/hosts/xenbox/xenbox --share BUILD -- BUILD/bench/vm/xs-request-cost
 * docs/xen.md has the figures behind xlkit's two connections.
 *
 *   xs-request-cost [N]     N reads per row (default 2000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <xenstore.h>

static double cpu_s(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + (double)r.ru_stime.tv_sec +
           r.ru_stime.tv_usec / 1e6;
}

static double wall_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void row(struct xs_handle *h, const char *label, int n) {
    double c0 = cpu_s(), w0 = wall_s();
    for (int i = 0; i < n; i++) {
        unsigned len;
        void *v = xs_read(h, XBT_NULL, "/local/domain/0/name", &len);
        if (!v) {
            perror("xs-request-cost: xs_read /local/domain/0/name");
            exit(1);
        }
        free(v);
    }
    double c1 = cpu_s(), w1 = wall_s();
    printf("%-26s %7.1f us CPU %7.1f us wall per read\n", label, (c1 - c0) / n * 1e6, (w1 - w0) / n * 1e6);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    if (argc > 2 || n < 1) {
        fprintf(stderr, "usage: xs-request-cost [N]\n");
        return 2;
    }
    struct xs_handle *h = xs_open(0), *w = xs_open(0);
    if (!h || !w) {
        perror("xs-request-cost: xs_open (is xenstored running?)");
        return 1;
    }
    row(h, "no watch on the handle", n);
    if (!xs_watch(w, "/xs-request-cost", "t")) {
        perror("xs-request-cost: xs_watch");
        return 1;
    }
    row(h, "watch on another handle", n);
    if (!xs_watch(h, "/xs-request-cost", "t")) {
        perror("xs-request-cost: xs_watch");
        return 1;
    }
    row(h, "watch on this handle", n);
    xs_close(w);
    xs_close(h);
    return 0;
}
