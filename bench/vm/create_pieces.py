#!/usr/bin/env python3
"""Where a PVH create's CPU goes, xl against xlkit, piece by piece
(docs/performance-vm.md, "PVH create: where xlkit's own CPU goes").

In dom0 of Xen in a box:
    create_pieces.py BUILD [RUNS]
runs each command RUNS times (default 7), the rows alternating within each
run, directly (no shell): the tool's start (`xl` with no arguments,
`xlkit --version`), its config parse (`create -n`), `create -p` with and
without the monitor (`-e`), and `sh -c true` and `/bin/true` as scale. A
created guest is destroyed before the next row. Prints each row's median
CPU (user + system of the command and the children it waited for) and
minor page faults.
"""
import os
import resource
import statistics
import subprocess
import sys

from dom0 import domid, sh, until

GUESTS = os.environ.get("XLKIT_VM_GUESTS", "/opt/xenbox/guests")
NAME = "bench-pvh"


def run(argv):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return p.returncode, (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
                          after.ru_minflt - before.ru_minflt), p.stdout


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: create_pieces.py BUILD [RUNS]")
    xlkit = os.path.join(sys.argv[1], "tools", "xlkit", "xlkit")
    runs = int(sys.argv[2]) if len(sys.argv) == 3 else 7
    cfg = "/tmp/create-pieces-pvh.cfg"
    with open(cfg, "w") as f:   # pvh.py's guest
        f.write('name = "%s"\ntype = "pvh"\nkernel = "%s/vmlinux"\nramdisk = "%s/obedient.initrd"\n'
                'extra = "console=hvc0 quiet"\nmemory = 96\nvcpus = 1\ntsc_mode = "native"\n' % (NAME, GUESTS, GUESTS))
    rows = [  # label, argv, must succeed, makes a guest
        ("xl (no arguments: its start)", ["xl"], False, False),
        ("xlkit --version (its start)", [xlkit, "--version"], True, False),
        ("xl create -n (start + parse)", ["xl", "create", "-n", cfg], True, False),
        ("xlkit create -n (start + parse)", [xlkit, "create", "-n", cfg], True, False),
        ("xl create -p", ["xl", "create", "-p", cfg], True, True),
        ("xlkit create -p", [xlkit, "create", "-p", cfg], True, True),
        ("xl create -p -e (no monitor)", ["xl", "create", "-p", "-e", cfg], True, True),
        ("xlkit create -p -e (no monitor)", [xlkit, "create", "-p", "-e", cfg], True, True),
        ("sh -c true", ["sh", "-c", "true"], True, False),
        ("/bin/true", ["/bin/true"], True, False),
    ]
    got = {label: [] for label, *_ in rows}
    for _ in range(runs):
        for label, argv, must, makes in rows:
            rc, m, out = run(argv)
            if must and rc != 0:
                sys.exit("create_pieces.py: %s failed (%d):\n%s" % (" ".join(argv), rc, out[-2000:]))
            got[label].append(m)
            if makes:
                sh("xl destroy %s" % NAME)
                if not until(lambda: domid(NAME) is None, 60):
                    sys.exit("create_pieces.py: %s is still there" % NAME)
    print("| command, %d runs | CPU (median) | minor faults | each run (s) |" % runs)
    print("|---|---:|---:|---|")
    for label, *_ in rows:
        v = got[label]
        print("| %s | %.3f s | %d | %s |" % (label, statistics.median(c for c, _ in v),
                                           statistics.median(f for _, f in v), " ".join("%.3f" % c for c, _ in v)))


if __name__ == "__main__":
    main()
