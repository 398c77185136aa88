#!/usr/bin/env python3
"""Where a PVH create's CPU goes, xl against xlkit, piece by piece
(docs/performance-vm.md, "PVH create: where xlkit's own CPU goes" and "Why
a short command costs what it does here").

In dom0 of Xen in a box:
    create_pieces.py BUILD [RUNS | --runs RUNS]
runs each command RUNS times (default 7), the rows alternating within each
run, directly (no shell): the tool's start (`xl` with no arguments,
`xlkit --version`), its config parse (`create -n`), `create -p` with and
without the monitor (`-e`), and `sh -c true` and `/bin/true` as scale. A
created guest is destroyed before the next row. Then the floors under them:
BUILD/bench/vm/dso-floor loading the shared libraries each piece needs and
nothing else; and the same commands with address-space randomisation off
(`setarch -R`, whose own start is its `/bin/true` row), which shows what
QEMU spends translating code afresh because each exec places it anew.
Prints each row's median CPU (user + system of the command and the
children it waited for) and minor page faults, after the per-event costs
of BUILD/bench/vm/trap-costs.
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
    args = sys.argv[1:]
    if args[1:2] == ["--runs"]:   # as the other benchmarks take it (BENCH_VM_ARGS)
        args[1:3] = args[2:3]
    if len(args) not in (1, 2) or (len(args) == 2 and not args[1].isdigit()):
        sys.exit("usage: create_pieces.py BUILD [RUNS | --runs RUNS]")
    xlkit = os.path.join(args[0], "tools", "xlkit", "xlkit")
    runs = int(args[1]) if len(args) == 2 else 7
    cfg = "/tmp/create-pieces-pvh.cfg"
    with open(cfg, "w") as f:   # pvh.py's guest
        f.write('name = "%s"\ntype = "pvh"\nkernel = "%s/vmlinux"\nramdisk = "%s/obedient.initrd"\n'
                'extra = "console=hvc0 quiet"\nmemory = 96\nvcpus = 1\ntsc_mode = "native"\n' % (NAME, GUESTS, GUESTS))
    floor = os.path.join(args[0], "bench", "vm", "dso-floor")
    traps = os.path.join(args[0], "bench", "vm", "trap-costs")
    for prog in (floor, traps):
        if not os.access(prog, os.X_OK):
            sys.exit("create_pieces.py: %s is not built (make bench-vm-pieces builds it)" % prog)
    module = os.path.join(args[0], "tools", "xlkit", ".libs", "xlkit-xlcfg.so")
    start_set = ["libxenctrl.so.4.17", "libxenstore.so.4"]       # both tools' start
    build_set = start_set + ["libxenguest.so.4.17"]              # + the domain build
    parse_set = build_set + ["libxlutil.so.4.17"]                # + Xen's parser (and libxenlight)
    print(sh(traps).stdout)
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
        ("floor: exec + libxenctrl, libxenstore", [floor] + start_set, True, False),
        ("floor: + libxenguest", [floor] + build_set, True, False),
        ("floor: + libxlutil (and libxenlight's set): every create's", [floor] + parse_set, True, False),
        ("floor: + xlkit's parser module", [floor] + build_set + [module], True, False),
        ("no ASLR: setarch -R /bin/true", ["setarch", "-R", "/bin/true"], True, False),
        ("no ASLR: xl create -n", ["setarch", "-R", "xl", "create", "-n", cfg], True, False),
        ("no ASLR: xlkit create -n", ["setarch", "-R", xlkit, "create", "-n", cfg], True, False),
        ("no ASLR: xl create -p -e", ["setarch", "-R", "xl", "create", "-p", "-e", cfg], True, True),
        ("no ASLR: xlkit create -p -e", ["setarch", "-R", xlkit, "create", "-p", "-e", cfg], True, True),
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
