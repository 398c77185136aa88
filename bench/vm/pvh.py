#!/usr/bin/env python3
"""PVH guests: create and destroy with the xlkit CLI against xl on real Xen,
in dom0 of Xen in a box (docs/performance-vm.md, "PVH", has the command).

Both tools run the same commands on the same config, alternating, RUNS
times: `create -p` of a 96 MiB, 1-vCPU PVH guest of the box's kernel (left
paused, so no guest boots beside the measurements), then `destroy`. The
figures are medians of wall time and of the toolstack's CPU (user + system
of the command and every child it waited for; the monitor both tools fork
is not waited for and not counted, for either).

With --floor (bench/vm/pvh-floor), each run also builds the same guest with
libxenguest alone and destroys it: no config, xenstore, console, monitor or
stored configuration. Its build CPU is the floor of a create, the same
library work in both tools; each tool's create CPU is also shown with the
floor of the same run taken away (its own CPU: what the tool adds).

usage: pvh.py --xlkit PATH [--floor PATH] [--runs N] [--json FILE]
"""
import argparse
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

GUESTS = os.environ.get("XLKIT_VM_GUESTS", "/opt/xenbox/guests")


def run(cmd):
    """Wall seconds and children's CPU seconds of one command, run without a
    shell (a shell's start, tens of ms of CPU in the box, would be counted
    against both tools alike and hide their difference)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(shlex.split(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        sys.exit("pvh.py: %s failed (%d) after %.1f s:\n%s" % (cmd, p.returncode, wall, p.stdout[-2000:]))
    return wall, cpu


def gone(name, bound=120):
    """Until the hypervisor no longer lists it (a destroyed domain is dying for a moment)."""
    end = time.monotonic() + bound
    while time.monotonic() < end:
        if subprocess.run(["xl", "domid", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
            return
        time.sleep(0.05)
    sys.exit("pvh.py: %s still exists after %d s" % (name, bound))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xlkit", required=True)
    ap.add_argument("--floor")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="xlkit-pvhbench.")
    name = "bench-pvh"
    path = os.path.join(work, name + ".cfg")
    with open(path, "w") as f:
        f.write('name = "%s"\ntype = "pvh"\nkernel = "%s/vmlinux"\nramdisk = "%s/obedient.initrd"\n' % (name, GUESTS, GUESTS))
        f.write('extra = "console=hvc0 quiet"\nmemory = 96\nvcpus = 1\ntsc_mode = "native"\n')
    tools = [("xl", "xl"), ("xlkit", a.xlkit)]
    raw = {}
    for _ in range(a.runs):
        for tool, exe in tools:
            for op, cmd in (("create", "%s create -p %s" % (exe, path)), ("destroy", "%s destroy %s" % (exe, name))):
                w, c = run(cmd)
                m = raw.setdefault(op, {}).setdefault(tool, {"wall": [], "cpu": []})
                m["wall"].append(w)
                m["cpu"].append(c)
            gone(name)
        if a.floor:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            p = subprocess.run([a.floor, "%s/vmlinux" % GUESTS, "%s/obedient.initrd" % GUESTS, "96", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if p.returncode != 0:
                sys.exit("pvh.py: %s failed (%d):\n%s" % (a.floor, p.returncode, p.stdout[-2000:]))
            f = json.loads(p.stdout)
            m = raw.setdefault("floor", {"build_cpu": [], "build_wall": [], "cpu": []})
            m["build_cpu"].append(f["build_cpu"])
            m["build_wall"].append(f["build_wall"])
            m["cpu"].append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    print("| PVH, %d runs, medians | xl wall | xlkit wall | ratio | xl CPU | xlkit CPU | ratio |" % a.runs)
    print("|---|---|---|---|---|---|---|")
    med = {}
    for op in ("create", "destroy"):
        md = {t: {k: statistics.median(v) for k, v in raw[op][t].items()} for t in ("xl", "xlkit")}
        med[op] = md
        xl, xk = md["xl"], md["xlkit"]
        print("| %s | %.2f s | %.2f s | %.2fx | %.3f s | %.3f s | %.2fx |" % (
            op, xl["wall"], xk["wall"], xk["wall"] / xl["wall"], xl["cpu"], xk["cpu"], xk["cpu"] / xl["cpu"]))
    both = {t: {k: statistics.median([c + d for c, d in zip(raw["create"][t][k], raw["destroy"][t][k])])
                for k in ("wall", "cpu")} for t in ("xl", "xlkit")}
    med["create+destroy"] = both
    xl, xk = both["xl"], both["xlkit"]
    print("| create + destroy | %.2f s | %.2f s | %.2fx | %.3f s | %.3f s | %.2fx |" % (
        xl["wall"], xk["wall"], xk["wall"] / xl["wall"], xl["cpu"], xk["cpu"], xk["cpu"] / xl["cpu"]))
    if a.floor:
        fl = raw["floor"]
        med["floor"] = {k: statistics.median(v) for k, v in fl.items()}
        own = {t: statistics.median([c - f for c, f in zip(raw["create"][t]["cpu"], fl["build_cpu"])])
               for t in ("xl", "xlkit")}
        med["create_cpu_above_floor"] = own
        print()
        print("| PVH create -p, CPU, %d runs, medians | xl | xlkit | ratio |" % a.runs)
        print("|---|---|---|---|")
        print("| the whole command | %.3f s | %.3f s | %.2fx |" % (
            med["create"]["xl"]["cpu"], med["create"]["xlkit"]["cpu"],
            med["create"]["xlkit"]["cpu"] / med["create"]["xl"]["cpu"]))
        print("| floor: the libxenguest build alone (pvh-floor) | %.3f s | %.3f s | |" % (
            med["floor"]["build_cpu"], med["floor"]["build_cpu"]))
        print("| the tool's own (command minus the run's floor) | %.3f s | %.3f s | %.2fx |" % (
            own["xl"], own["xlkit"], own["xlkit"] / own["xl"] if own["xl"] > 0 else float("nan")))
        print("| pvh-floor as a whole process (with destroy) | %.3f s | | |" % med["floor"]["cpu"])
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"runs": a.runs, "dom0_load": os.getloadavg(), "raw": raw, "median": med}, f, indent=1)
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
