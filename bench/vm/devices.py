#!/usr/bin/env python3
"""Disks and nics: the xlkit CLI against xl on real Xen, in dom0 of Xen in a
box (`make bench-vm-devices`; docs/performance-vm.md, "Devices").

For each workload both tools run the same command on the same config,
alternating, RUNS times; the figures are medians of wall time and of the
toolstack's CPU (user + system of the command and every child it waited
for: the hotplug scripts and the programs they run). Workloads:
  create-N   create -p a guest with N file-backed disks (N = 1, 4, 16),
             then destroy it (the destroy is not timed)
  attach     block-attach one disk to a paused guest, then detach it
  net        network-attach one vif to a paused guest, then detach it
xlkit runs twice: as it is (Xen's block script replaced by its native
path) and with XLKIT_NATIVE_HOTPLUG=0 (the script, as xl runs it), so the
table shows where the time goes.

usage: devices.py --xlkit PATH [--runs N] [--json FILE]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

GUESTS = os.environ.get("XLKIT_VM_GUESTS", "/opt/xenbox/guests")


def run(cmd, env=None):
    """Wall seconds and children's CPU seconds of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, shell=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        print("devices.py: %s failed (%d) after %.1f s:\n%s" % (cmd, p.returncode, wall, p.stdout[-2000:]),
              file=sys.stderr)
        return None
    return wall, cpu


def quiet(cmd):
    subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def gone(name, bound=120):
    end = time.monotonic() + bound
    while time.monotonic() < end:
        if subprocess.run(["xl", "domid", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
            return
        time.sleep(0.1)
    sys.exit("devices.py: %s still exists after %d s" % (name, bound))


def cfg(work, name, disks=0, extra=()):
    path = os.path.join(work, name + ".cfg")
    specs = ["'%s/d%d.img,raw,xvd%s,rw'" % (work, i, chr(ord("a") + i)) for i in range(disks)]
    with open(path, "w") as f:
        f.write('name = "%s"\ntype = "pv"\nkernel = "%s/vmlinux"\nramdisk = "%s/obedient.initrd"\n' % (name, GUESTS, GUESTS))
        f.write('memory = 96\nvcpus = 1\n')
        if specs:
            f.write("disk = [ %s ]\n" % ", ".join(specs))
        for l in extra:
            f.write(l + "\n")
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xlkit", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json")
    ap.add_argument("--workloads", default="create,hotplug", help="create, hotplug or both (comma-separated)")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="xlkit-devbench.")
    for i in range(17):
        with open(os.path.join(work, "d%d.img" % i), "wb") as f:
            f.truncate(8 << 20)
    native = dict(os.environ)
    script = dict(os.environ, XLKIT_NATIVE_HOTPLUG="0")
    tools = [("xl", "xl", None), ("xlkit", a.xlkit, native), ("xlkit-script", a.xlkit, script)]
    results = {}

    def record(work_name, tool, r):
        m = results.setdefault(work_name, {}).setdefault(tool, {"wall": [], "cpu": [], "failed": 0})
        if r is None:  # e.g. xl's 40 s hotplug timeout, for scripts queued behind the block lock
            m["failed"] += 1
            return
        m["wall"].append(r[0])
        m["cpu"].append(r[1])

    todo = set(a.workloads.split(","))
    for n in (1, 4, 16) if "create" in todo else ():
        for r in range(a.runs):
            for tool, exe, env in tools:
                name = "bench-c%d" % n
                c = cfg(work, name, n)
                record("create-%d" % n, tool, run("%s create -p %s" % (exe, c), env))
                quiet("xl destroy %s" % name)
                gone(name)
                quiet("losetup -D")  # what a failed create may have left
    # Hot-plug into a paused guest (each add completes at InitWait with the
    # script done, for both tools).
    quiet("xl create -p %s" % cfg(work, "bench-hp"))
    for r in range(a.runs if "hotplug" in todo else 0):
        for tool, exe, env in tools:
            record("attach", tool, run("%s block-attach bench-hp %s/d16.img,raw,xvdq,rw" % (exe, work), env))
            # Forced: a paused guest's frontend never answers Closing, and
            # xl's plain block-detach (libxl's safe remove) then fails after
            # 10 s and leaves the disk attached.
            run("%s block-detach -f bench-hp xvdq" % exe, env)
            record("net", tool, run("%s network-attach bench-hp mac=00:16:3e:5b:00:01" % exe, env))
            run("%s network-detach bench-hp 00:16:3e:5b:00:01" % exe, env)
    quiet("xl destroy bench-hp")
    gone("bench-hp")

    print("| workload | xl wall | xlkit wall (ratio) | xlkit, script path (ratio) | xl CPU | xlkit CPU (ratio) | script path CPU (ratio) | failed runs xl / xlkit / script |")
    print("|---|---|---|---|---|---|---|---|")
    summary = {}

    def med(m, k):
        return statistics.median(m[k]) if m[k] else float("nan")

    def ratio(a, b):
        return a / b if b == b and b > 0 else float("nan")

    for w, by in results.items():
        md = {t: {"wall": med(m, "wall"), "cpu": med(m, "cpu"), "failed": m["failed"]} for t, m in by.items()}
        summary[w] = md
        xl, xk, sc = md["xl"], md["xlkit"], md["xlkit-script"]
        print("| %s | %.2f s | %.2f s (%.2fx) | %.2f s (%.2fx) | %.2f s | %.2f s (%.2fx) | %.2f s (%.2fx) | %d / %d / %d |" % (
            w, xl["wall"], xk["wall"], ratio(xk["wall"], xl["wall"]), sc["wall"], ratio(sc["wall"], xl["wall"]),
            xl["cpu"], xk["cpu"], ratio(xk["cpu"], xl["cpu"]), sc["cpu"], ratio(sc["cpu"], xl["cpu"]),
            xl["failed"], xk["failed"], sc["failed"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"runs": a.runs, "raw": results, "median": summary}, f, indent=1)
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
