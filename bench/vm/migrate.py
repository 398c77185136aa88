#!/usr/bin/env python3
"""Live migration with the xlkit CLI against xl on real Xen, in dom0 of Xen
in a box (docs/performance-vm.md, "Live migration", has the command).

A 96 MiB, 1-vCPU PVH guest (the box's kernel; tsc_mode native, see
tests/vm/pvh_vm.sh) is migrated to this same host, each tool at both ends:
    TOOL migrate -s '' NAME "TOOL migrate-receive"
(with -s '' the host argument is the whole command: no ssh). Two guests:
idle, and busy (xenbox.dirty=MIB: its init rewrites MIB MiB of memory
without a pause). The tools alternate, RUNS times per guest; a fresh guest
per run (booted by xl, so both tools start from the same state). Per run:

  total     the migrate command's wall time;
  downtime  the time the guest ran nowhere: from the source domain's stop
            (suspended for the last copy) to the destination domain's first
            run (unpaused), seen by bench/vm/downtime.c polling the
            hypervisor, the same way for both tools;
  cpu       user + system of the sending command and every child it waited
            for (the receiver is a child of it: the whole toolstack).

xlkit also runs the busy guest with a precopy policy (--max-downtime MS,
--max-iterations N): libxl's policy is fixed (5 passes or < 50 pages).

usage: migrate.py --xlkit PATH --downtime PATH [--runs N] [--dirty MIB] [--json FILE]
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

from dom0 import domid, is_up, migration_guest, runs_unpaused, sh, wait_for

GUESTS = os.environ.get("XLKIT_VM_GUESTS", "/opt/xenbox/guests")


def one(exe, name, cfg, downtime, env, extra=""):
    p = sh("xl create %s" % cfg)
    if p.returncode != 0:
        sys.exit("migrate.py: xl create failed:\n" + p.stdout)
    wait_for("guest up", lambda: is_up(name), 300)
    src = domid(name)
    poll = subprocess.Popen([downtime, src, "600"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    cmd = "%s migrate %s -s '' %s '%s migrate-receive'" % (exe, extra, name, exe)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    try:
        m = sh(cmd, env=env, timeout=600)
    except subprocess.TimeoutExpired:
        poll.kill()
        sys.exit("migrate.py: %s did not end within 600 s" % cmd)
    total = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if m.returncode != 0:
        # Said now: the poller would wait its 600 s for a stop that may
        # never come.
        poll.kill()
        poll.communicate()
        state = sh("xl list; xl dmesg | tail -20; tail -n 30 /var/log/xen/console/guest-%s*.log; ps axf | tail -40" % name).stdout
        sys.exit("migrate.py: %s failed (%d) after %.1f s:\n%s\n%s" % (cmd, m.returncode, total, m.stdout[-3000:], state))
    out, _ = poll.communicate(timeout=660)
    if poll.returncode != 0:
        sys.exit("migrate.py: the downtime poller failed: " + out)
    f = out.split()
    wait_for("migrated guest running", lambda: runs_unpaused(name), 60)
    if domid(name) == src:
        sys.exit("migrate.py: %s: the guest still has its old domid" % cmd)
    sh("xl destroy %s" % name)
    wait_for("guest gone", lambda: domid(name) is None, 60)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"total": total, "downtime": float(f[5]) / 1000.0, "cpu": cpu}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xlkit", required=True, help="the xlkit CLI (BUILD/tools/xlkit/xlkit)")
    ap.add_argument("--downtime", required=True, help="bench/vm/xlkit-downtime")
    ap.add_argument("--helper", help="xlkit-save-helper (default: next to the build's CLI)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dirty", type=int, default=16, help="MiB the busy guest rewrites")
    ap.add_argument("--policy", default="--max-downtime 300 --max-iterations 30",
                    help="xlkit's extra precopy-policy options for the busy guest's policy row")
    ap.add_argument("--json")
    a = ap.parse_args()
    build = os.path.abspath(os.path.join(os.path.dirname(a.xlkit), "..", ".."))
    if os.path.basename(os.path.dirname(a.xlkit)) == ".libs":
        build = os.path.dirname(build)
    helper = a.helper or os.path.join(build, "tools", "save-helper", "xlkit-save-helper")
    env = dict(os.environ, XLKIT_SAVE_HELPER=helper)
    work = tempfile.mkdtemp(prefix="xlkit-migbench.")
    cfgs = {}
    for kind, extra in (("idle", ""), ("busy", " xenbox.dirty=%d" % a.dirty)):
        name = "bench-mig"
        cfg = migration_guest(os.path.join(work, "%s.cfg" % kind), name, GUESTS, extra)
        cfgs[kind] = (name, cfg)
    rows = [("idle", "xl", "xl", ""), ("idle", "xlkit", a.xlkit, ""),
            ("busy", "xl", "xl", ""), ("busy", "xlkit", a.xlkit, ""),
            ("busy", "xlkit, policy", a.xlkit, a.policy)]
    raw = {}
    for _ in range(a.runs):
        for kind, label, exe, extra in rows:
            name, cfg = cfgs[kind]
            m = one(exe, name, cfg, a.downtime, env, extra)
            for k, v in m.items():
                raw.setdefault(kind, {}).setdefault(label, {}).setdefault(k, []).append(v)
            print("%s %s: %s" % (kind, label, " ".join("%s %.3f" % kv for kv in sorted(m.items()))), flush=True)
    print()
    print("| guest, %d runs, medians | tool | total | downtime | CPU | total ÷ xl | downtime ÷ xl |" % a.runs)
    print("|---|---|---:|---:|---:|---:|---:|")
    med = {}
    for kind in ("idle", "busy"):
        med[kind] = {t: {k: statistics.median(v) for k, v in r.items()} for t, r in raw[kind].items()}
        xl = med[kind]["xl"]
        for t, m in med[kind].items():
            print("| %s | %s | %.2f s | %.0f ms | %.2f s | %.2f× | %.2f× |" % (
                kind, t, m["total"], m["downtime"] * 1000, m["cpu"], m["total"] / xl["total"],
                m["downtime"] / xl["downtime"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runs": a.runs,
                       "dirty_mib": a.dirty, "policy": a.policy, "load": os.getloadavg(),
                       "raw": raw, "median": med}, f, indent=1)


if __name__ == "__main__":
    main()
