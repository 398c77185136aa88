#!/usr/bin/env python3
"""Live migration between two Xen hosts, xlkit against xl: total time and
downtime (docs/performance-vm.md, "Across two hosts").

On the host (make bench-vm-migrate-twohost runs it):
    migrate_twohost.py run --xlkit PATH --downtime PATH [--runs N] [--dirty MIB]
                           [--json FILE] [--logs DIR] [--timeout SECS]
boots two boxes with tests/vm/twobox.sh and runs this script in both
("box"); then reads both sides' rows from the logs ("combine") and prints
the table.
    migrate_twohost.py combine LOGDIR [--json FILE]
only the last step, for the logs of a run.

In the boxes ("box", by role): the same 96 MiB PVH guest as migrate.py's,
idle and busy (xenbox.dirty=MIB), booted by xl on the sender for every row,
is migrated to the receiver over TCP through QEMU's user networking:
    TOOL migrate -s '' NAME "bash $TWOBOX connect"
and the receiver runs TOOL migrate-receive on the connection (twobox's
serve). Both sides follow one schedule: per run, per guest, xl and xlkit,
their order swapped every run.

Downtime across hosts: the sender's poller (xlkit-downtime --stop) notes
when the source domain stopped, on the sender's clock; the receiver's
(xlkit-downtime --run, started with migrate-receive) when the new domain
first ran, on the receiver's. Before each migration the sender relates the
two clocks through twobox's TIME exchange: 40 round trips, and the one with
the shortest round trip gives the offset (receiver - sender) to within half
of it; its error bound is reported with every row, and the offsets of
successive rows show the clocks' drift. downtime = (running_at - offset) -
suspended_at.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

from dom0 import domid, is_up, migration_guest, runs_unpaused, sh, until

GUESTS = os.environ.get("XLKIT_VM_GUESTS", "/opt/xenbox/guests")
NAME = "bench-mig"
SELF = os.path.abspath(__file__)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(SELF)))


def log(*a):
    print(*a, flush=True)


def schedule(runs):
    """(kind, tool) per row, the same on both sides."""
    rows = []
    for r in range(runs):
        tools = ("xl", "xlkit") if r % 2 == 0 else ("xlkit", "xl")
        for kind in ("idle", "busy"):
            for tool in tools:
                rows.append((kind, tool))
    return rows


def clock_offset(host, port, pings=40):
    """(offset, rtt): the peer's clock minus ours, from the round trip of
    the shortest of PINGS through twobox's TIME exchange."""
    best = None
    with socket.create_connection((host, port), timeout=30) as s:
        f = s.makefile("rw", buffering=1)
        f.write("TIME\n")
        for _ in range(pings):
            t0 = time.time()
            f.write("\n")
            f.flush()
            line = f.readline()
            t1 = time.time()
            if not line:
                raise RuntimeError("the peer's clock closed the connection")
            peer = float(line)
            rtt = t1 - t0
            if best is None or rtt < best[1]:
                best = (peer - (t0 + t1) / 2, rtt)
    return best


def show_death():
    return sh("xl list; xl dmesg | tail -20; tail -n 30 /var/log/xen/console/guest-%s*.log" % NAME).stdout


def box_sender(a, rows, tool_cmd, env):
    twobox = os.environ["TWOBOX"]
    port = int(os.environ["TWOBOX_PORT"])
    peer = os.environ.get("TWOBOX_HOST", "10.0.2.2")
    cfgs = write_cfgs(a.dirty)
    for i, (kind, tool) in enumerate(rows):
        p = sh("xl create %s" % cfgs[kind])
        if p.returncode != 0 or not until(lambda: is_up(NAME), 300):
            log("FAIL row %d: the %s guest did not come up:\n%s\n%s" % (i, kind, p.stdout, show_death()))
            sh("bash %s abort-peer" % twobox)
            return 1
        src = domid(NAME)
        if sh("bash %s wait-peer %d" % (twobox, a.seconds)).returncode != 0:
            log("FAIL row %d: the receiver does not listen" % i)
            return 1
        try:
            offset, rtt = clock_offset(peer, port)
        except (OSError, RuntimeError, ValueError) as e:
            log("FAIL row %d: the receiver's clock: %s" % (i, e))
            sh("bash %s abort-peer" % twobox)
            return 1
        poll = subprocess.Popen([a.downtime, "--stop", src, str(a.seconds)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        cmd = "%s migrate -s '' %s 'bash %s connect'" % (tool_cmd[tool], NAME, twobox)
        t0 = time.monotonic()
        try:
            m = sh(cmd, env=env, timeout=a.seconds)
            rc = m.returncode
        except subprocess.TimeoutExpired:
            m, rc = None, 124
        total = time.monotonic() - t0
        if rc != 0:
            poll.kill()
            poll.communicate()
            log("FAIL row %d: %s exited %d after %.1f s:\n%s\n%s" % (
                i, cmd, rc, total, m.stdout[-3000:] if m else "(timed out)", show_death()))
            sh("bash %s abort-peer" % twobox)
            return 1
        out, _ = poll.communicate(timeout=a.seconds + 60)
        if poll.returncode != 0 or not out.startswith("suspended_at "):
            log("FAIL row %d: the stop poller: %s" % (i, out))
            return 1
        if not until(lambda: domid(NAME) is None, 60):
            log("FAIL row %d: the guest is still here after %s" % (i, cmd))
            return 1
        log("ROW " + json.dumps({"row": i, "kind": kind, "tool": tool, "total": total,
                                 "suspended_at": float(out.split()[1]), "offset": offset, "rtt": rtt}))
    return 0


def box_receiver(a, rows, tool_cmd, env):
    twobox = os.environ["TWOBOX"]
    out = "/tmp/xlkit-twohost-running"
    for i, (kind, tool) in enumerate(rows):
        if os.path.exists(out):
            os.unlink(out)
        # serve's command: the run poller starts with migrate-receive, on the
        # GO connection (so it does not poll while the sender boots its guest);
        # the connection is migrate-receive's stdin and stdout only.
        recv = ('%s --run %d > %s 2>&1 < /dev/null & p=$!; %s migrate-receive; r=$?; '
                '[ $r = 0 ] || kill $p 2>/dev/null; wait $p; exit $r') % (a.downtime, a.seconds, out, tool_cmd[tool])
        t0 = time.monotonic()
        p = subprocess.run(["bash", twobox, "serve", str(a.seconds + 600), "--", "bash", "-c", recv], env=env)
        if p.returncode != 0:
            log("FAIL row %d: serve and %s migrate-receive exited %d after %.1f s\n%s" % (
                i, tool, p.returncode, time.monotonic() - t0, show_death()))
            return 1
        ran = open(out).read().split()
        if len(ran) != 2 or ran[0] != "running_at":
            log("FAIL row %d: the run poller: %s" % (i, " ".join(ran)))
            return 1
        if not until(lambda: runs_unpaused(NAME), 60):
            log("FAIL row %d: the migrated guest does not run here\n%s" % (i, show_death()))
            return 1
        log("ROW " + json.dumps({"row": i, "kind": kind, "tool": tool, "running_at": float(ran[1])}))
        sh("xl destroy %s" % NAME)
        if not until(lambda: domid(NAME) is None, 60):
            log("FAIL row %d: the guest could not be destroyed here" % i)
            return 1
    return 0


def write_cfgs(dirty):
    return {kind: migration_guest("/tmp/xlkit-twohost-%s.cfg" % kind, NAME, GUESTS, extra)
            for kind, extra in (("idle", ""), ("busy", " xenbox.dirty=%d" % dirty))}


def box(a):
    helper = a.helper or os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(a.xlkit)))),
                                      "tools", "save-helper", "xlkit-save-helper")
    env = dict(os.environ, XLKIT_SAVE_HELPER=helper)
    tool_cmd = {"xl": "xl", "xlkit": a.xlkit}
    rows = schedule(a.runs)
    role = os.environ.get("TWOBOX_ROLE")
    if role == "sender":
        return box_sender(a, rows, tool_cmd, env)
    if role == "receiver":
        return box_receiver(a, rows, tool_cmd, env)
    log("FAIL TWOBOX_ROLE is %r: run through tests/vm/twobox.sh" % role)
    return 1


def rows_of(path):
    rows = {}
    with open(path) as f:
        for line in f:
            if line.startswith("ROW "):
                r = json.loads(line[4:])
                rows[r["row"]] = r
    return rows


def combine(logs, json_out=None):
    sent, got = rows_of(os.path.join(logs, "sender.out")), rows_of(os.path.join(logs, "receiver.out"))
    raw = {}
    offsets = []
    for i in sorted(set(sent) & set(got)):
        s, r = sent[i], got[i]
        if (s["kind"], s["tool"]) != (r["kind"], r["tool"]):
            sys.exit("migrate_twohost.py: row %d is %s/%s here and %s/%s there" % (
                i, s["kind"], s["tool"], r["kind"], r["tool"]))
        down = (r["running_at"] - s["offset"]) - s["suspended_at"]
        offsets.append(s["offset"])
        row = {"total": s["total"], "downtime": down, "error": s["rtt"] / 2}
        for k, v in row.items():
            raw.setdefault(s["kind"], {}).setdefault(s["tool"], {}).setdefault(k, []).append(v)
        print("%s %s: total %.2f s downtime %.0f ms (±%.1f ms; clock offset %.3f s)" % (
            s["kind"], s["tool"], s["total"], down * 1e3, s["rtt"] / 2 * 1e3, s["offset"]))
    if not raw:
        sys.exit("migrate_twohost.py: no complete row in %s" % logs)
    drift = max(offsets) - min(offsets)
    print()
    print("Clock offset (receiver - sender) %.3f to %.3f s over the run (%.1f ms apart)" % (
        min(offsets), max(offsets), drift * 1e3))
    print("| guest | tool | runs | total | downtime | total ÷ xl | downtime ÷ xl | downtimes (ms) |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    med = {}
    for kind in ("idle", "busy"):
        if kind not in raw:
            continue
        med[kind] = {t: {k: statistics.median(v) for k, v in r.items()} for t, r in raw[kind].items()}
        xl = med[kind].get("xl")
        for t in ("xl", "xlkit"):
            if t not in med[kind]:
                continue
            m = med[kind][t]
            ratio = lambda k: "%.2f×" % (m[k] / xl[k]) if xl else "-"
            print("| %s | %s | %d | %.2f s | %.0f ms | %s | %s | %s |" % (
                kind, t, len(raw[kind][t]["total"]), m["total"], m["downtime"] * 1e3, ratio("total"),
                ratio("downtime"), ", ".join("%.0f" % (d * 1e3) for d in raw[kind][t]["downtime"])))
    if json_out:
        with open(json_out, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "load": os.getloadavg(),
                       "raw": raw, "median": med, "offsets": offsets}, f, indent=1)
    return 0


def run(a):
    logs = a.logs or os.path.join(os.path.dirname(os.path.abspath(a.json or ".")), "twohost-logs")
    os.makedirs(logs, exist_ok=True)
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(a.xlkit))))
    cmd = [os.path.join(ROOT, "tests", "vm", "twobox.sh"), "--timeout", str(a.timeout), "--logs", logs,
           "--share", build, "--",
           "env", "LD_LIBRARY_PATH=%s" % os.path.join(build, ".libs"), "python3", SELF, "box",
           "--xlkit", os.path.abspath(a.xlkit), "--downtime", os.path.abspath(a.downtime),
           "--runs", str(a.runs), "--dirty", str(a.dirty), "--seconds", str(a.seconds)]
    rc = subprocess.run(cmd).returncode
    combine(logs, a.json)
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    for name in ("run", "box"):
        p = sub.add_parser(name)
        p.add_argument("--xlkit", required=True, help="the xlkit CLI (BUILD/tools/xlkit/xlkit)")
        p.add_argument("--downtime", required=True, help="bench/vm/xlkit-downtime")
        p.add_argument("--helper", help="xlkit-save-helper (default: next to the build's CLI)")
        p.add_argument("--runs", type=int, default=2)
        p.add_argument("--dirty", type=int, default=16, help="MiB the busy guest rewrites")
        p.add_argument("--seconds", type=int, default=600, help="bound on one migration")
        if name == "run":
            p.add_argument("--json")
            p.add_argument("--logs", help="the boxes' logs (default: twohost-logs beside --json)")
            p.add_argument("--timeout", type=int, default=3600, help="each box's bound")
    p = sub.add_parser("combine")
    p.add_argument("logs")
    p.add_argument("--json")
    a = ap.parse_args()
    if a.what == "combine":
        return combine(a.logs, a.json)
    return run(a) if a.what == "run" else box(a)


if __name__ == "__main__":
    sys.exit(main())
