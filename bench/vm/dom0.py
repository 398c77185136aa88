"""What the benchmarks run in dom0 of Xen in a box share: shell commands,
bounded waits, and a guest's domid, state and readiness as xl and xenstore
show them (bench/vm/save.py, migrate.py, migrate_twohost.py)."""
import subprocess
import sys
import time


def sh(cmd, **kw):
    """A shell command; its output (stdout and stderr) in .stdout."""
    return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def until(pred, bound):
    """True once pred() holds, polled every 0.1 s; False after BOUND seconds."""
    end = time.monotonic() + bound
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


def wait_for(what, pred, bound):
    """until(), or the program ends naming WHAT."""
    if not until(pred, bound):
        sys.exit("%s: %s not reached in %d s" % (sys.argv[0].rsplit("/", 1)[-1], what, bound))


def domid(name):
    p = sh("xl domid %s" % name)
    return p.stdout.strip() if p.returncode == 0 else None


def is_up(name):
    """The box's guests write data/xenbox-state = up once their init runs."""
    d = domid(name)
    return d is not None and sh("xenstore-read /local/domain/%s/data/xenbox-state" % d).stdout.strip() == "up"


def runs_unpaused(name):
    p = sh("xl list %s" % name)
    if p.returncode != 0:
        return False
    state = p.stdout.splitlines()[1].split()[4]
    return "p" not in state and ("r" in state or "b" in state)


def migration_guest(path, name, guests, extra=""):
    """The migration benchmarks' guest: 96 MiB, 1 vCPU, PVH, the box's
    kernel (tsc_mode native: tests/vm/pvh_vm.sh), EXTRA appended to its
    command line (xenbox.dirty=MIB for the busy guest)."""
    with open(path, "w") as f:
        f.write('name = "%s"\ntype = "pvh"\nkernel = "%s/vmlinux"\nramdisk = "%s/obedient.initrd"\n'
                % (name, guests, guests))
        f.write('extra = "console=hvc0 quiet mitigations=off rodata=off cryptomgr.notests%s"\n' % extra)
        f.write('memory = 96\nvcpus = 1\non_poweroff = "destroy"\ntsc_mode = "native"\n')
        # No XSAVE (so no AVX) in the guest: under QEMU's emulated SVM its
        # userspace may read a stale XCR0, use AVX and die of SIGILL; when
        # that is init, the guest panics (docs/ops.md, PVH). The same
        # guest for both tools.
        f.write('cpuid = "host,xsave=0"\n')
    return path
