#!/usr/bin/env python3
"""The small loader kernel boots the newest image from a card that is an SD card.

The card (128 MiB: QEMU wants an SD card's size to be a power of 2) is attached only
as an SD card on a PCI SD host controller (-device sdhci-pci -device sd-card): no IDE
disk at all.  SeaBIOS boots syslinux from it, syslinux the small loader kernel (MMC,
SDHCI and SDHCI-PCI built in).  The newest image, Demo-1.1.0, is made in the test
with the small kernel as its own /boot/vmlinuz and no /lib/modules, because Debian's
cloud kernel in the stock demo images has no MMC driver (CONFIG_MMC is not set): with
it, stage 1 boots the image and its stage 2 ends in "cannot boot Demo-1.1.0: the card
UUID=... did not appear; rebooting in 10 s".  Demo-1.1.0's /etc/showcard prints the
/proc/mounts line of /media/card (APPEND demo.run=/etc/showcard demo.poweroff).
Expected: the first kernel is the small one; "hopboot: card /dev/mmcblk0p1 mounted
read-only"; candidates Demo-1.1.0.img Demo-1.0.0.img; Demo-1.1.0's trial boot 1 of 3
is counted (the state is written to the SD card); it boots, in the small kernel;
stage 2 says "root is Demo-1.1.0.img + keydisk kd.img"; the OS has the card at
/media/card from /dev/mmcblk0p1 and powers off.
"""

import shutil
import sys

sys.dont_write_bytecode = True
import smallkernel  # noqa: E402
from smallkernel import qemuboot  # noqa: E402


class SdQemu(qemuboot.Qemu):
    """A Qemu whose card is an SD card on an sdhci-pci controller instead of an IDE disk."""

    def command(self):
        argv = super().command()
        drive = qemuboot.card_drive(self.card, self.card_bus)
        at = next(i for i in range(len(argv)) if argv[i:i + len(drive)] == drive)
        argv[at:at + len(drive)] = ["-drive", f"if=none,id=sdcard,format=raw,file={self.card}",
                                    "-device", "sdhci-pci", "-device", "sd-card,drive=sdcard"]
        return argv


def main(ctx):
    release = smallkernel.use(ctx)

    def small_kernel_inside(root):
        shutil.copyfile(smallkernel.kernel_path(ctx.build), root / "boot" / "vmlinuz")
        shutil.rmtree(root / "lib" / "modules")
        (root / "etc" / "showcard").write_text("grep ' /media/card ' /proc/mounts | sed 's/^/SHOWCARD /'\n")

    images = ctx.stage_demo("1.0.0")
    newest = ctx.custom_demo("1.1.0", small_kernel_inside)
    card = ctx.make_card([images["1.0.0"], newest], append="demo.run=/etc/showcard demo.poweroff", size=128)
    with SdQemu(ctx.workdir / "boot.log", card=card, name="sdcard", hard_timeout=qemuboot.BOOT_HARD_TIMEOUT,
                give_up_on=qemuboot.GIVE_UP_ON) as q:
        smallkernel.expect_loader_banner(q, release)
        q.expect(r"^hopboot: card /dev/mmcblk0p1 mounted read-only$", qemuboot.LOADER_TIMEOUT)
        qemuboot.expect_candidates(q, "Demo-1.1.0.img", "Demo-1.0.0.img")
        q.expect(r"^hopboot: Demo-1\.1\.0\.img: trial boot 1 of 3,", qemuboot.LOADER_TIMEOUT)
        q.expect(r"^hopboot: booting Demo-1\.1\.0 from card\b", qemuboot.LOADER_TIMEOUT)
        kernel = q.expect(r"^(?:\[[ \d.]+\] )?Linux version (\S+) ", qemuboot.DEMO_TIMEOUT).group(1)
        if kernel != release:
            q.fail(f"Demo-1.1.0 runs in Linux {kernel}, not its own small kernel {release}")
        q.expect(r"^hopboot-stage2: root is Demo-1\.1\.0\.img \+ keydisk kd\.img$", qemuboot.DEMO_TIMEOUT)
        q.expect(r"^HOPBOOT-DEMO name=Demo version=1\.1\.0$", qemuboot.DEMO_TIMEOUT)
        q.expect(r"^SHOWCARD /dev/mmcblk0p1 /media/card vfat ", qemuboot.DEMO_TIMEOUT)
        q.expect(r"^HOPBOOT-DEMO run /etc/showcard exit=0$", qemuboot.DEMO_TIMEOUT)
        qemuboot.expect_poweroff(q)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
