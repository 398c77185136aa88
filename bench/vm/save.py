#!/usr/bin/env python3
"""Save and restore with the xlkit CLI against xl on real Xen, in dom0 of
Xen in a box (docs/performance-vm.md, "Save and restore", has the command).

One running 96 MiB, 1-vCPU PV guest is saved and restored by xl and by the
xlkit CLI in turn, RUNS times each: `save -c NAME /dev/null` (a checkpoint:
the copy alone, no file to write back, no destroy; the guest runs on), then
`save NAME FILE` (the guest is suspended, copied and destroyed) then
`restore FILE` (it runs again). Each tool restores its own file. Per
command:

  wall    the command's wall time;
  cpu     user + system of the command and every child it waited for;
  helper  the same for the process libxenguest's copy runs in (xl's
          libxl-save-helper, xlkit's xlkit-save-helper), measured by a
          small static stand-in both tools run it through
          (bench/vm/helper_wrap.c: wait4's rusage of the real helper);
  own     cpu - helper: the toolstack's own CPU outside libxenguest (the
          stand-in's own CPU, mostly what the toolstack's fork cost its
          child before the exec, is in it; "launch" shows it).

Commands are run directly, without a shell.

The cost of progress reporting: xlkit's checkpoint is also run with the
helper's page-progress lines turned off and multiplied by PROGRESS_X
(XLKIT_SAVE_HELPER_PROGRESS, tools/save-helper), so what one set of
reports costs (CPU of the helper and of the CLI, and wall time) is
(x - off) / PROGRESS_X, set against the copy's time (the helper's wall).

xlkit save flushes the file (fsync) before it destroys the guest, xl does
not; the "flushed" rows add to xl's figures an fsync of its file after its
save (wall, and the CPU the flush costs the process that calls it).

The guest must answer the suspend request, so it is booted once first
(its init writes data/xenbox-state = up) and runs between the commands.

With --floor BUILD/bench/vm/dso-floor, the libraries each tool's command
process opens itself (its start's and any it loads later; not its
helper's, which is in "helper") are read once with strace from a
checkpoint and a restore, and a process that loads just those libraries
is timed RUNS times: "own, minus the libraries" takes its median away
(docs/performance-vm.md, "Why a short command costs what it does here").

usage: save.py --xlkit PATH [--runs N] [--floor DSO_FLOOR] [--json FILE]
"""
import argparse
import json
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

from dom0 import domid, is_up, runs_unpaused, sh, wait_for

GUESTS = os.environ.get("XLKIT_VM_GUESTS", "/opt/xenbox/guests")
XL_HELPER = "/usr/lib/xen-4.17/bin/libxl-save-helper"
PROGRESS_X = 100


def helper_times(log):
    """The helper runs recorded since the log was emptied: CPU seconds of the
    real helpers, of the stand-ins themselves, the helpers' wall time, and
    how many ran."""
    helper = launch = wall = 0.0
    n = 0
    with open(log) as f:
        for line in f:
            w = line.split()  # TAG MODE helper U S self U S wall W
            if len(w) != 10 or w[2] != "helper" or w[5] != "self" or w[8] != "wall":
                sys.exit("save.py: bad line in the helper log: %r" % line)
            helper += float(w[3]) + float(w[4])
            launch += float(w[6]) + float(w[7])
            wall += float(w[9])
            n += 1
    open(log, "w").close()
    return helper, launch, wall, n


OPENED = re.compile(r'^openat\([^,]*, "([^"]+)".*\) = \d+$')


def libraries_of(cmd, env):
    """The shared libraries CMD's own process opens (not its children's:
    strace without -f, so the helper's copy runs untraced)."""
    fd, out = tempfile.mkstemp(prefix="save-bench-strace.")
    os.close(fd)
    p = subprocess.run(["strace", "-e", "trace=openat", "-o", out] + shlex.split(cmd), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(out) as f:
        lines = f.read().splitlines()
    os.unlink(out)
    if p.returncode != 0 or not lines:
        sys.exit("save.py: strace of %s failed (%d):\n%s" % (cmd, p.returncode, p.stdout[-2000:]))
    libs = []
    for line in lines:
        m = OPENED.match(line)
        if m and re.search(r"\.so(\.[0-9]+)*$", m.group(1)) and m.group(1) not in libs:
            libs.append(m.group(1))
    return libs


def floor_cpu(floor, libs, runs):
    """Median CPU of a process that loads LIBS and nothing else."""
    got = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run([floor] + libs, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            sys.exit("save.py: %s failed:\n%s" % (floor, p.stdout))
        got.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(got)


def run(cmd, env, log):
    argv = shlex.split(cmd)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit("save.py: %s failed (%d) after %.1f s:\n%s" % (cmd, p.returncode, wall, p.stdout[-2000:]))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    helper, launch, hwall, n = helper_times(log)
    if n != 1 or helper <= 0:
        sys.exit("save.py: %s: the save helper did not run once through the stand-in (%d runs)" % (cmd, n))
    return {"wall": wall, "cpu": cpu, "helper": helper, "own": cpu - helper, "launch": launch, "helper_wall": hwall}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xlkit", required=True, help="the xlkit CLI (BUILD/tools/xlkit/xlkit)")
    ap.add_argument("--helper", help="xlkit-save-helper (default: next to the build's CLI)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--floor", help="bench/vm/dso-floor: also take each command's libraries away")
    ap.add_argument("--json")
    a = ap.parse_args()
    load_start = os.getloadavg()
    print("load average at the start: %.2f %.2f %.2f" % load_start)
    build = os.path.abspath(os.path.join(os.path.dirname(a.xlkit), "..", ".."))
    if os.path.basename(os.path.dirname(a.xlkit)) == ".libs":
        build = os.path.dirname(build)
    xlkit_helper = a.helper or os.path.join(build, "tools", "save-helper", "xlkit-save-helper")
    for p in (XL_HELPER, xlkit_helper):
        if not os.access(p, os.X_OK):
            sys.exit("save.py: no helper at %s" % p)
    # Save files (96 MiB) go next to the build, on the host's disk: dom0's
    # memory is small.
    work = tempfile.mkdtemp(prefix="xlkit-savebench.", dir=build)
    log = os.path.join(work, "helper-times")
    open(log, "w").close()
    # xl runs its helper from a fixed path: a stand-in is bound over it and
    # runs a copy of the real one.
    real_xl = os.path.join(work, "libxl-save-helper.real")
    sh("cp %s %s" % (XL_HELPER, real_xl))
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "helper_wrap.c")
    wrappers = {}
    for tool, real in (("xl", real_xl), ("xlkit", xlkit_helper)):
        w = os.path.join(work, "%s-helper" % tool)
        p = subprocess.run(["cc", "-O2", "-static", "-DREAL=\"%s\"" % real, "-DLOG=\"%s\"" % log,
                            "-DTAG=\"%s\"" % tool, "-o", w, src], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if p.returncode != 0:
            sys.exit("save.py: cannot build the helper stand-in:\n" + p.stdout)
        wrappers[tool] = w
    if sh("mount --bind %s %s" % (wrappers["xl"], XL_HELPER)).returncode != 0:
        sys.exit("save.py: cannot bind the wrapper over %s" % XL_HELPER)
    try:
        name = "bench-save"
        cfg = os.path.join(work, name + ".cfg")
        with open(cfg, "w") as f:
            f.write('name = "%s"\ntype = "pv"\nkernel = "%s/vmlinux"\nramdisk = "%s/obedient.initrd"\n'
                    % (name, GUESTS, GUESTS))
            f.write('extra = "console=hvc0 quiet mitigations=off rodata=off cryptomgr.notests"\n')
            f.write('memory = 96\nvcpus = 1\non_poweroff = "destroy"\n')
        p = sh("xl create %s" % cfg)
        if p.returncode != 0:
            sys.exit("save.py: xl create failed:\n" + p.stdout)
        wait_for("guest up", lambda: is_up(name), 300)
        env = dict(os.environ, XLKIT_SAVE_HELPER=wrappers["xlkit"])
        tools = [("xl", "xl"), ("xlkit", a.xlkit)]
        raw = {}
        for _ in range(a.runs):
            for tool, exe in tools:
                # A checkpoint to /dev/null: the copy without the file's
                # writeback (whose CPU lands in whichever process flushes)
                # and without the destroy: the toolstack's part alone.
                m = run("%s save -c %s /dev/null" % (exe, name), env, log)
                for k, v in m.items():
                    raw.setdefault("checkpoint", {}).setdefault(tool, {}).setdefault(k, []).append(v)
                wait_for("checkpointed guest running", lambda: runs_unpaused(name), 60)
                if tool == "xlkit":
                    # The same checkpoint with no page-progress lines, and
                    # with PROGRESS_X times as many.
                    for variant, n in (("off", 0), ("x", PROGRESS_X)):
                        m = run("%s save -c %s /dev/null" % (exe, name), dict(env, XLKIT_SAVE_HELPER_PROGRESS=str(n)), log)
                        for k, v in m.items():
                            raw.setdefault("progress", {}).setdefault(variant, {}).setdefault(k, []).append(v)
                        wait_for("checkpointed guest running", lambda: runs_unpaused(name), 60)
                f = os.path.join(work, "%s.save" % tool)
                for op, cmd in (("save", "%s save %s %s" % (exe, name, f)), ("restore", "%s restore %s" % (exe, f))):
                    m = run(cmd, env, log)
                    if op == "save":
                        # xlkit save flushes the file before it destroys the
                        # guest; xl does not. The same durability for xl
                        # costs an fsync after its save.
                        t0 = time.monotonic()
                        r0 = resource.getrusage(resource.RUSAGE_SELF)
                        fd = os.open(f, os.O_RDONLY)
                        os.fsync(fd)
                        os.close(fd)
                        r1 = resource.getrusage(resource.RUSAGE_SELF)
                        wall = time.monotonic() - t0
                        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
                        xl = tool == "xl"
                        m["wall_durable"] = m["wall"] + (wall if xl else 0.0)
                        m["own_durable"] = m["own"] + (cpu if xl else 0.0)
                    for k, v in m.items():
                        raw.setdefault(op, {}).setdefault(tool, {}).setdefault(k, []).append(v)
                    if op == "save":
                        wait_for("saved guest gone", lambda: domid(name) is None, 60)
                os.unlink(f)
                wait_for("restored guest running", lambda: runs_unpaused(name), 60)
        floors = {}
        if a.floor:
            for tool, exe in tools:
                libs = {"checkpoint": libraries_of("%s save -c %s /dev/null" % (exe, name), env)}
                helper_times(log)  # the traced run's helper line: not a measured run
                wait_for("checkpointed guest running", lambda: runs_unpaused(name), 60)
                f = os.path.join(work, "%s.save" % tool)
                run("%s save %s %s" % (exe, name, f), env, log)
                wait_for("saved guest gone", lambda: domid(name) is None, 60)
                libs["restore"] = libraries_of("%s restore %s" % (exe, f), env)
                helper_times(log)
                os.unlink(f)
                wait_for("restored guest running", lambda: runs_unpaused(name), 60)
                libs["save"] = libs["checkpoint"]
                floors[tool] = {op: {"libraries": l, "cpu": floor_cpu(a.floor, l, max(a.runs, 5))}
                                for op, l in libs.items()}
        sh("xl destroy %s" % name)
    finally:
        sh("umount %s" % XL_HELPER)
    print("| %d runs, medians | xl | xlkit | ratio |" % a.runs)
    print("|---|---|---|---|")
    med = {}
    for op in ("checkpoint", "save", "restore"):
        md = {t: {k: statistics.median(v) for k, v in raw[op][t].items()} for t in ("xl", "xlkit")}
        med[op] = md
        for k, label in (("wall", "wall"), ("wall_durable", "wall, file flushed to disk"), ("cpu", "CPU, all"),
                         ("helper", "CPU, copy helper"), ("own", "CPU, toolstack's own"),
                         ("launch", "CPU, own: the helper's launch"), ("own_durable", "CPU, own, file flushed to disk")):
            if k not in md["xl"]:
                continue
            xl, xk = md["xl"][k], md["xlkit"][k]
            print("| %s: %s | %.3f s | %.3f s | %.2fx |" % (op, label, xl, xk, xk / xl if xl > 0 else float("nan")))
        if floors:
            fl = {t: floors[t][op]["cpu"] for t in ("xl", "xlkit")}
            print("| %s: the command's libraries alone (%d / %d) | %.3f s | %.3f s | |"
                  % (op, len(floors["xl"][op]["libraries"]), len(floors["xlkit"][op]["libraries"]), fl["xl"], fl["xlkit"]))
            for k, label in (("own", "CPU, own, minus the libraries"),
                             ("own_durable", "CPU, own, file flushed, minus the libraries")):
                if k not in md["xl"]:
                    continue
                xl, xk = md["xl"][k] - fl["xl"], md["xlkit"][k] - fl["xlkit"]
                md[k + "_minus_libraries"] = {"xl": xl, "xlkit": xk}
                print("| %s: %s | %.3f s | %.3f s | %.2fx |" % (op, label, xl, xk, xk / xl if xl > 0 else float("nan")))
    # Progress: what one checkpoint's reports cost, from the off and x runs.
    pm = {v: {k: statistics.median(x) for k, x in raw["progress"][v].items()} for v in ("off", "x")}
    pm["on"] = med["checkpoint"]["xlkit"]
    med["progress"] = pm
    copy = pm["on"]["helper_wall"]
    cost = {k: (pm["x"][k] - pm["off"][k]) / PROGRESS_X for k in ("cpu", "wall")}
    cost["copy_wall"] = copy
    cost["cpu_share"] = cost["cpu"] / copy
    cost["wall_share"] = cost["wall"] / copy
    med["progress_cost"] = cost
    print("| xlkit checkpoint, progress off / on / x%d | %.3f s | %.3f s | %.3f s | (CPU, all) |"
          % (PROGRESS_X, pm["off"]["cpu"], pm["on"]["cpu"], pm["x"]["cpu"]))
    print("| progress: one checkpoint's reports | CPU %.2f ms | wall %.2f ms | of the copy's %.3f s: %.2f%% / %.2f%% |"
          % (cost["cpu"] * 1e3, cost["wall"] * 1e3, copy, 100 * cost["cpu_share"], 100 * cost["wall_share"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"runs": a.runs, "progress_x": PROGRESS_X, "load_start": load_start, "load_end": os.getloadavg(),
                       "raw": raw, "median": med, "floors": floors}, f, indent=1)
    sh("rm -rf %s" % work)


if __name__ == "__main__":
    main()
