#!/usr/bin/env python3
"""Paths inside an image are resolved inside the image, as its own root would.

Demo-1.2.0 is a demo root whose /boot/vmlinuz is an absolute symlink to
/boot/vmlinuz-demo (the usual layout of distribution roots), and whose /boot/cmdline
is an absolute symlink too.  Read from the loader's root those links lead nowhere;
read inside the image they are the kernel and its arguments.  1.2.0 must boot, with
its /boot/cmdline applied.
"""

import os
import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def absolute_links(root):
    boot = root / "boot"
    os.rename(boot / "vmlinuz", boot / "vmlinuz-demo")
    os.symlink("/boot/vmlinuz-demo", boot / "vmlinuz")
    os.rename(boot / "cmdline", boot / "cmdline-demo")
    os.symlink("/boot/cmdline-demo", boot / "cmdline")


def main(ctx):
    images = ctx.stage_demo("1.1.0")
    card = ctx.make_card([*images.values(), ctx.custom_demo("1.2.0", absolute_links)])
    with ctx.boot(card) as q:
        qemuboot.expect_demo_boot(q, "1.2.0")  # also checks demo.cmdline=ok from /boot/cmdline
        qemuboot.expect_poweroff(q)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
