"""AoE test rig: a network namespace of the test's own with a tap interface, vblade
serving disk images on it, and QEMU booting a card inside the namespace with its NIC on
that tap.  Raw Ethernet stays inside the namespace: no frame reaches any other host.

    with aoenet.Namespace(ctx) as ns:
        ns.serve(0, 1, disk)                      # AoE target e0.1
        with ns.boot(card, log="boot") as q: ...  # the guest's eth0 is on tap0

Needs root (ip netns), iproute2 and vblade (ci/deps installs them).  The namespace is
deleted and every vblade killed on exit, also when the test fails; each vblade also
dies with the test process (PR_SET_PDEATHSIG) and after a hard time limit.
"""

import os
import shutil
import signal
import subprocess
import threading

import qemuboot

VBLADE_HARD_TIMEOUT = 600   # seconds a vblade may live, whatever the test does
TAP = "tap0"
TAP_NIC = ("-netdev", f"tap,id=n0,ifname={TAP},script=no,downscript=no", "-device", "virtio-net-pci,netdev=n0")


def check_host():
    """Fail (not skip) when the host cannot run the rig."""
    if os.geteuid() != 0:
        raise qemuboot.TestFailure("AoE tests need root (ip netns add, tap interfaces)")
    for tool, package in (("ip", "iproute2"), ("vblade", "vblade")):
        if shutil.which(tool) is None:
            raise qemuboot.TestFailure(f"{tool} is not installed (Debian package {package}; ci/deps installs it)")


class NamespaceQemu(qemuboot.Qemu):
    """A Qemu run inside network namespace `netns` (ip netns exec execs QEMU in place)."""

    def __init__(self, *args, netns, **kwargs):
        super().__init__(*args, **kwargs)
        self.netns = netns

    def command(self):
        return ["ip", "netns", "exec", self.netns, *super().command()]


class Namespace:
    def __init__(self, ctx):
        self.ctx = ctx
        self.name = f"hopboot-aoe-{os.getpid()}"
        self._vblades = []

    def __enter__(self):
        check_host()
        qemuboot.run_tool(["ip", "netns", "add", self.name], log=self.ctx.tool_log)
        try:
            qemuboot.run_tool(["ip", "-n", self.name, "tuntap", "add", TAP, "mode", "tap"], log=self.ctx.tool_log)
            qemuboot.run_tool(["ip", "-n", self.name, "link", "set", TAP, "up"], log=self.ctx.tool_log)
        except BaseException:
            self._delete()
            raise
        qemuboot.note(f"network namespace {self.name} with {TAP}")
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop_all()
        self._delete()
        return False

    def _delete(self):
        subprocess.run(["ip", "netns", "delete", self.name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        qemuboot.note(f"network namespace {self.name} deleted")

    def serve(self, shelf, slot, disk):
        """vblade SHELF SLOT on the tap: the guest sees /dev/etherd/eSHELF.SLOT."""
        log = open(self.ctx.workdir / f"vblade-e{shelf}.{slot}.log", "wb")
        argv = ["ip", "netns", "exec", self.name, "vblade", str(shelf), str(slot), TAP, str(disk)]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=qemuboot._die_with_parent)
        log.close()
        timer = threading.Timer(VBLADE_HARD_TIMEOUT, proc.kill)
        timer.daemon = True
        timer.start()
        self._vblades.append((proc, timer))
        qemuboot.note(f"vblade e{shelf}.{slot} serves {disk.name} (pid {proc.pid})")
        return proc

    def stop_all(self):
        for proc, timer in self._vblades:
            timer.cancel()
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        self._vblades = []

    def boot(self, card, *, log="boot", give_up_on=qemuboot.GIVE_UP_ON, extra_args=()):
        """A Qemu booting `card` in the namespace, its virtio NIC (eth0) on the tap."""
        return NamespaceQemu(self.ctx.workdir / f"{log}.log", card=card, name=log, netns=self.name,
                             hard_timeout=qemuboot.BOOT_HARD_TIMEOUT, give_up_on=give_up_on,
                             extra_args=[*TAP_NIC, *extra_args])


def make_ext4(ctx, name, label, files, folder="", size="40M"):
    """An ext4 filesystem image labelled LABEL holding FILES (in FOLDER)."""
    root = ctx.workdir / f"{name}.d"
    (root / folder).mkdir(parents=True)
    for f in files:
        shutil.copyfile(f, root / folder / f.name)
    disk = ctx.workdir / f"{name}.img"
    qemuboot.run_tool(["mke2fs", "-q", "-F", "-t", "ext4", "-L", label, "-d", root, disk, size], log=ctx.tool_log)
    return disk
