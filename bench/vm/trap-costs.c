/* trap-costs: what one system call, one page fault and one mmap cost in
 * this process's CPU time, and a plain loop for scale. In dom0 of Xen in a
 * box each of them goes through Xen under QEMU's emulation, and a short
 * command's CPU is mostly such events (docs/performance-vm.md, "Why a
 * short command costs what it does here"). Prints one line per event:
 *
 *   EVENT MICROSECONDS
 *
 * (the loop: milliseconds for 10^7 additions; the spawns: milliseconds of
 * the parent's CPU to start /bin/true and reap it, by fork + exec and by
 * posix_spawn, from a process with 8 MiB of heap written, which it writes
 * again after each, as a toolstack carries on after starting a helper).
 * No arguments. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double cpu_now(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)r.ru_utime.tv_sec + (double)r.ru_stime.tv_sec +
           (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

int main(void) {
    enum { N = 2000, PAGES = 4000, MAPS = 200 };
    double t = cpu_now();
    for (int i = 0; i < N; i++) syscall(SYS_getppid);
    printf("syscall_us %.1f\n", (cpu_now() - t) / N * 1e6);

    struct timespec ts;
    t = cpu_now();
    for (int i = 0; i < N; i++) clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("clock_gettime_us %.1f\n", (cpu_now() - t) / N * 1e6);

    char *p = mmap(NULL, (size_t)PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 1;
    t = cpu_now();
    for (size_t i = 0; i < PAGES; i++) p[i * 4096] = 1;
    printf("page_fault_us %.1f\n", (cpu_now() - t) / PAGES * 1e6);
    munmap(p, (size_t)PAGES * 4096);

    t = cpu_now();
    for (int i = 0; i < MAPS; i++) {
        void *q = mmap(NULL, 65536, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (q != MAP_FAILED) munmap(q, 65536);
    }
    printf("mmap_munmap_us %.1f\n", (cpu_now() - t) / MAPS * 1e6);

    volatile double x = 0;
    t = cpu_now();
    for (int i = 0; i < 10000000; i++) x += i * 0.5;
    printf("loop_1e7_adds_ms %.1f\n", (cpu_now() - t) * 1e3);

    enum { SPAWNS = 10, HEAP = 8 << 20 };
    char *heap = malloc(HEAP);
    if (!heap) return 1;
    memset(heap, 1, HEAP);
    char *const av[] = {(char *)"/bin/true", NULL};
    t = cpu_now();
    for (int i = 0; i < SPAWNS; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            execv(av[0], av);
            _exit(127);
        }
        if (pid > 0) waitpid(pid, NULL, 0);
        memset(heap, 2, HEAP);
    }
    printf("fork_exec_8mib_ms %.1f\n", (cpu_now() - t) / SPAWNS * 1e3);
    t = cpu_now();
    for (int i = 0; i < SPAWNS; i++) {
        pid_t pid;
        if (posix_spawn(&pid, av[0], NULL, NULL, av, environ) == 0) waitpid(pid, NULL, 0);
        memset(heap, 3, HEAP);
    }
    printf("posix_spawn_8mib_ms %.1f\n", (cpu_now() - t) / SPAWNS * 1e3);
    free(heap);
    return 0;
}
