#!/usr/bin/env python3
"""Self-test of the QEMU harness (qemuboot.py), independent of hopboot.

Boots the loader kernel (build/kernel/vmlinuz, or --kernel) with -kernel and a
tiny busybox initramfs made here, and checks that the harness sees console
lines, types into a shell, fails an expect() on timeout, on QEMU exit, on a
give-up line and on the hard limit (killing QEMU), fails wait_exit() on a
guest that stays up, kills QEMU when the test body raises, and logs every
console byte.
"""

import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402
from qemuboot import Qemu, TestFailure, note  # noqa: E402

INIT = """#!/bin/busybox sh
# hopboot harness self-test init: no device nodes in the archive, so find the console first.
export PATH=/bin
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
echo "HARNESS-READY $(cat /proc/sys/kernel/osrelease)"
if grep -qw harness.poweroff /proc/cmdline; then
    echo HARNESS-POWEROFF
    poweroff -f
fi
while :; do PS1='harness# ' sh -i; done
"""


def add_arguments(parser):
    parser.add_argument("--kernel", type=Path,
                        help="kernel to boot with -kernel (default: BUILD/kernel/vmlinuz)")
    parser.add_argument("--busybox", type=Path, default=Path("/bin/busybox"),
                        help="a static busybox for the initramfs (default: /bin/busybox)")


def make_initramfs(ctx):
    root = ctx.workdir / "initramfs"
    for directory in ("bin", "dev", "proc", "sys"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    shutil.copy(ctx.args.busybox, root / "bin" / "busybox")
    init = root / "init"
    init.write_text(INIT)
    init.chmod(0o755)
    archive = ctx.workdir / "initramfs.cpio"
    names = subprocess.run(["find", "."], cwd=root, check=True, stdout=subprocess.PIPE).stdout
    with open(archive, "wb") as out:
        subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0"], cwd=root,
                       input=names, stdout=out, check=True)
    return archive


def must_fail(action, *fragments):
    """Run action(); it must raise TestFailure whose message holds every fragment."""
    started = time.monotonic()
    try:
        action()
    except TestFailure as failure:
        message = str(failure)
        missing = [f for f in fragments if f not in message]
        if missing:
            raise TestFailure(f"failure message lacks {missing}:\n{message}")
        note(f"failed as it must after {time.monotonic() - started:.1f} s: "
             f"{message.splitlines()[0]}")
        return time.monotonic() - started, message
    raise TestFailure("an expectation that must fail passed")


def check_interactive(ctx, kernel, initrd):
    with Qemu(ctx.workdir / "interactive.log", kernel=kernel, initrd=initrd,
              append="console=ttyS0", hard_timeout=180) as q:
        q.expect(r"HARNESS-READY \S+", 120)
        q.expect(r"harness# ", 60)
        q.send("echo harness-$((6*7))")
        q.expect(r"^harness-42$", 30)
        q.assert_seen(r"Linux version")
        q.expect_not(r"Kernel panic")
        must_fail(lambda: q.expect_not(r"HARNESS-READY"), "must not appear", "HARNESS-READY")
        must_fail(lambda: q.assert_seen(r"never-printed-ZZZ"), "never-printed-ZZZ")
        took, message = must_fail(lambda: q.expect(r"never-printed-XYZ", timeout=3),
                                  "never-printed-XYZ", "not seen within 3 s",
                                  "last 40 console lines", "harness-42")
        if not 2.5 <= took <= 10:
            raise TestFailure(f"expect(timeout=3) gave up after {took:.1f} s")
        # A failed expect leaves the cursor where it was: the shell still answers.
        q.send("echo after-$((1+1))")
        q.expect(r"^after-2$", 30)
        q.send("poweroff -f")
        rc = q.wait_exit(60)
        if rc != 0:
            raise TestFailure(f"QEMU exited with {rc} after poweroff -f")
        text = q.output
    raw = (ctx.workdir / "interactive.log").read_bytes()
    if b"\r\n" not in raw:
        raise TestFailure("log lost the console's carriage returns")
    if qemuboot.terminal_view(raw.decode(errors="replace")) != text:
        raise TestFailure("log file and matched console text differ")
    note(f"log holds all {len(raw)} console bytes")


def check_hard_timeout(ctx, kernel, initrd):
    q = Qemu(ctx.workdir / "hard-timeout.log", kernel=kernel, initrd=initrd,
             append="console=ttyS0", hard_timeout=20)
    with q:
        q.expect(r"HARNESS-READY", 20)
        took, _ = must_fail(lambda: q.expect(r"never-printed-XYZ"), "hard timeout of 20 s")
        if q.running:
            raise TestFailure("QEMU still runs after the hard timeout")
        if took > 25:
            raise TestFailure(f"hard timeout took {took:.1f} s")


def check_exit_detected(ctx, kernel, initrd):
    with Qemu(ctx.workdir / "exit.log", kernel=kernel, initrd=initrd,
              append="console=ttyS0 harness.poweroff", hard_timeout=120) as q:
        q.expect(r"HARNESS-POWEROFF", 100)
        took, _ = must_fail(lambda: q.expect(r"never-printed-XYZ", 100), "QEMU exited with status 0")
        if took > 60:
            raise TestFailure(f"noticing the exit took {took:.1f} s")
        must_fail(lambda: q.send("echo too late"), "cannot send")


def check_killed(ctx, kernel, initrd):
    q = Qemu(ctx.workdir / "killed.log", kernel=kernel, initrd=initrd,
             append="console=ttyS0", hard_timeout=120, give_up_on=[r"HARNESS-\w+"])
    with q:
        took, _ = must_fail(lambda: q.expect(r"never-printed-XYZ", 100), "saw /HARNESS-\w+/ first")
        if took > 60:
            raise TestFailure(f"giving up on HARNESS-READY took {took:.1f} s")
        q.expect(r"harness# ", 100)
        must_fail(lambda: q.wait_exit(5), "did not exit within 5 s")
        if q.running:
            raise TestFailure("QEMU still runs after wait_exit gave up")
    q = Qemu(ctx.workdir / "raised.log", kernel=kernel, initrd=initrd,
             append="console=ttyS0", hard_timeout=120)
    try:
        with q:
            q.expect(r"Linux version", 60)
            pid = q._proc.pid
            raise RuntimeError("test body raised")
    except RuntimeError:
        pass
    if q.running or Path(f"/proc/{pid}").exists() and _is_qemu(pid):
        raise TestFailure("QEMU survived an exception in the with block")
    note("QEMU killed when the test body raised")


def _is_qemu(pid):
    try:
        return b"qemu" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def main(ctx):
    kernel = ctx.args.kernel or ctx.artifact("kernel/vmlinuz")
    if not Path(kernel).is_file():
        raise TestFailure(f"{kernel}: no such kernel")
    initrd = make_initramfs(ctx)
    check_interactive(ctx, kernel, initrd)
    check_hard_timeout(ctx, kernel, initrd)
    check_exit_detected(ctx, kernel, initrd)
    check_killed(ctx, kernel, initrd)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__, add_arguments))
