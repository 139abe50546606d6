"""Shared code of the small loader kernel's tests (loader/tests/kernel, ctest label "kernel").

test_build.py (the ctest fixture the others need) builds the loader kernel from
kernel-config with images/mkloaderkernel (cached in BUILD/loader-kernel) and the
lean initramfs for it with images/mkinitrd --no-modules --small, into
BUILD/small-loader/.  The boot tests put those two on a card instead of the
build's default loader (Debian's cloud kernel with its modules) and boot it:

    import smallkernel
    from smallkernel import qemuboot

    def main(ctx):
        release = smallkernel.use(ctx)      # make_card() now takes the small loader
        card = ctx.make_card(ctx.stage_demo("1.1.0").values())
        with ctx.boot(card) as q:
            smallkernel.expect_loader_banner(q, release)
            ...

The demo images keep Debian's cloud kernel: only the loader changes.
"""

import struct
import sys
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
for _path in (HERE.parent / "net", HERE.parent / "qemu"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
import netboot  # noqa: E402
import qemuboot  # noqa: E402
from qemuboot import TestFailure, note  # noqa: E402

MIB = 1024 * 1024
# DESIGN's budget for the loader kernel, which it meets (2.5 MiB).
KERNEL_BUDGET = 4 * MIB
# DESIGN's target for the initramfs is 4 MiB, and the test holds it there: with the lean
# libcurl (images/mklibcurl) and no libkmod it is 3.88 MiB (doc/loader-kernel.md says
# what costs the bytes).
INITRD_CEILING = 4 * MIB
INITRD_TARGET = 4 * MIB
TOTAL_TARGET = 8 * MIB

OUT_DIR = "small-loader"        # under the build dir: bzImage, initrd.img, initrd.list
WORK_DIR = "loader-kernel"      # under the build dir: mkloaderkernel's cache


def kernel_path(build):
    return Path(build) / OUT_DIR / "bzImage"


def initrd_path(build):
    return Path(build) / OUT_DIR / "initrd.img"


def release_of(bzimage):
    """The kernel release ("6.1.192") of an x86 bzImage, from its setup header.

    The header has the magic "HdrS" at 0x202 and, at 0x20e, the offset (less 0x200)
    of a string that starts with the release, as `uname -r` and the boot banner say it.
    """
    data = Path(bzimage).read_bytes()[:0x10000]
    if len(data) < 0x210 or data[0x202:0x206] != b"HdrS":
        raise TestFailure(f"{bzimage} is not an x86 bzImage (no HdrS header)")
    (offset,) = struct.unpack_from("<H", data, 0x20E)
    start = offset + 0x200
    end = data.find(b"\0", start)
    if not offset or end < 0:
        raise TestFailure(f"{bzimage} has no kernel version string")
    return data[start:end].decode(errors="replace").split()[0]


def use(ctx):
    """Make ctx.make_card() put the small loader kernel and its initramfs on cards.

    Returns the kernel's release.  A missing file fails the test (kernel.build makes them).
    """
    kernel, initrd = kernel_path(ctx.build), initrd_path(ctx.build)
    for path in (kernel, initrd):
        if not path.is_file():
            raise TestFailure(f"{path} missing: the ctest fixture kernel.build makes it "
                              f"(ctest --test-dir {ctx.build} -L kernel)")
    ctx.loader_kernel, ctx.loader_initrd = kernel, initrd
    # The small kernel's cards sit on IDE, as a CompactFlash card: its ata_piix is built in
    # (the other qemu tests put the card on virtio-scsi; qemuboot.CARD_BUS says why).
    ctx.card_bus = "ide"
    release = release_of(kernel)
    note(f"loader: {kernel} ({kernel.stat().st_size} bytes, Linux {release}) + "
         f"{initrd.name} ({initrd.stat().st_size} bytes)")
    return release


def expect_loader_banner(q, release):
    """The first kernel on the console is the small loader kernel, not Debian's."""
    banner = q.expect(r"^Linux version (\S+) ", qemuboot.LOADER_TIMEOUT)
    if banner.group(1) != release:
        q.fail(f"the loader kernel is Linux {banner.group(1)}, expected the small kernel {release}")
    return banner


def boot(ctx, card, *, nic="virtio-net-pci", log="boot"):
    """A Qemu booting `card` with user networking on a NIC of model `nic` (QEMU's name)."""
    if nic == "virtio-net-pci":
        return netboot.boot(ctx, card, log=log)
    return qemuboot.Qemu(ctx.workdir / f"{log}.log", card=card, name=log, card_bus=ctx.card_bus,
                         hard_timeout=qemuboot.BOOT_HARD_TIMEOUT, give_up_on=netboot.GIVE_UP_ON,
                         extra_args=("-netdev", "user,id=n0", "-device", f"{nic},netdev=n0"))


def check(condition, message, evidence=""):
    return netboot.check(condition, message, evidence)


def mib(size):
    return f"{size / MIB:.2f} MiB"

