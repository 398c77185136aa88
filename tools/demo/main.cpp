// xlkit-demo: the main job until the Xen layer exists. Runs many concurrent
// timed "operations" on one context through xlkit's own loop and shows their
// progress live: each operation is a chain of timeouts (one per step), a
// heartbeat timer redraws the display, and a child process runs alongside.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "event/ctx_impl.hpp"

using namespace xlkit;
using namespace xlkit::detail;

namespace {

struct Op {
    EvTime step;
    int steps_left = 0;
    int steps_total = 0;
    int step_ms = 0;
    bool done = false;
};

struct Demo {
    std::vector<Op> ops;
    EvTime tick;
    EvChild child;
    int done = 0;
    int child_status = -1;
    bool tty = false;
    Nanos start = 0;
};

Demo *g;

void draw(bool final) {
    int n = static_cast<int>(g->ops.size());
    int steps = 0, total = 0;
    for (auto &o : g->ops) {
        steps += o.steps_total - o.steps_left;
        total += o.steps_total;
    }
    const int width = 40;
    int fill = total ? steps * width / total : width;
    char bar[width + 1];
    for (int i = 0; i < width; ++i) bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    double secs = double(mono_now() - g->start) / 1e9;
    std::printf("%s[%s] %4d/%d operations done, %5d/%d steps, %.1fs%s",
                g->tty ? "\r" : "", bar, g->done, n, steps, total, secs,
                g->tty && !final ? "" : "\n");
    std::fflush(stdout);
}

void step_cb(Egc &egc, EvTime *ev, Nanos, Error) {
    auto *op = static_cast<Op *>(ev->data);
    if (--op->steps_left > 0) {
        (void)egc.ctx.time_register_rel(egc, op->step, step_cb, op->step_ms);
        return;
    }
    op->done = true;
    ++g->done;
}

void tick_cb(Egc &egc, EvTime *ev, Nanos, Error) {
    draw(false);
    if (g->done < static_cast<int>(g->ops.size()))
        (void)egc.ctx.time_register_rel(egc, *ev, tick_cb, g->tty ? 100 : 500);
}

void child_cb(Egc &, EvChild *, pid_t, int status) { g->child_status = status; }

} // namespace

int main(int argc, char **argv) {
    int nops = argc > 1 ? std::atoi(argv[1]) : 500;
    if (nops <= 0 || nops > 1'000'000) {
        std::fprintf(stderr, "xlkit-demo: number of operations must be 1..1000000, got '%s'\n", argv[1]);
        return 2;
    }
    std::unique_ptr<Ctx> ctx;
    if (Error e = Ctx::create(&ctx); e != Error::Success) {
        std::fprintf(stderr, "xlkit-demo: cannot create a context: %s\n", error_string(rc_of(e)));
        return 1;
    }
    Demo demo;
    g = &demo;
    demo.tty = isatty(1);
    demo.ops = std::vector<Op>(static_cast<std::size_t>(nops));
    demo.start = mono_now();
    std::mt19937 rng(1);
    std::printf("xlkit event-core demo: %d concurrent operations (timeout chains), "
                "a child process, one loop thread\n", nops);
    {
        CtxImpl &c = ctx->impl();
        Egc egc(c);
        for (auto &op : demo.ops) {
            op.steps_total = op.steps_left = 5 + int(rng() % 20);
            op.step_ms = 20 + int(rng() % 80);
            op.step.data = &op;
            if (c.time_register_rel(egc, op.step, step_cb, op.step_ms) != Error::Success) return 1;
        }
        if (c.time_register_rel(egc, demo.tick, tick_cb, 0) != Error::Success) return 1;
        pid_t pid = -1;
        if (c.child_fork(egc, demo.child, child_cb, &pid) != Error::Success) return 1;
        if (pid == 0) {
            execlp("sleep", "sleep", "1", static_cast<char *>(nullptr));
            _exit(127);
        }
    }
    while (demo.done < nops || demo.child_status < 0) {
        if (Error e = ctx->run_once(-1); e != Error::Success) {
            std::fprintf(stderr, "\nxlkit-demo: loop failed: %s\n", error_string(rc_of(e)));
            return 1;
        }
    }
    {
        Egc egc(ctx->impl());
        ctx->impl().time_deregister(egc, demo.tick);
    }
    draw(true);
    std::printf("child process (sleep 1) exited with status %d; all %d operations completed exactly once\n",
                WEXITSTATUS(demo.child_status), nops);
    return 0;
}
