#!/usr/bin/env python3
"""PVH guests: create and destroy with the xlkit CLI against xl on real Xen,
in dom0 of Xen in a box (docs/performance-vm.md, "PVH", has the command).

Both tools run the same commands on the same config, alternating, RUNS
times: `create -p` of a 96 MiB, 1-vCPU PVH guest of the box's kernel (left
paused, so no guest boots beside the measurements), then `destroy`. The
figures are medians of wall time and of the toolstack's CPU (user + system
of the command and every child it waited for; the monitor both tools fork
is not waited for and not counted, for either).

usage: pvh.py --xlkit PATH [--runs N] [--json FILE]
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


def run(cmd):
    """Wall seconds and children's CPU seconds of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"runs": a.runs, "raw": raw, "median": med}, f, indent=1)
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
