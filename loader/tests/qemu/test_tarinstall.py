#!/usr/bin/env python3
"""Installing an image from a root file system tarball in the rescue menu.

Three cards, one boot each and the third twice (the loader's default hopboot.timeout,
3 s):
  install   Demo-1.0.0.img with its middle inverted (a checksum mismatch: nothing
            boots) and Demo-1.2.0-rootfs.tar.gz, a tarball of the demo root.  The
            rescue menu offers "install Demo-1.2.0 from Demo-1.2.0-rootfs.tar.gz"; the
            key "1" installs it, the loader says "installed Demo-1.2.0.img ... (sha1 X)"
            and boots the card again: Demo-1.2.0 boots, on trial.  On the host the card
            then holds Demo-1.2.0.img whose .sha1 and .sha256 match it, with the same
            bytes images/mkimg --from-tar makes of that tarball here (X too), while
            Demo-1.0.0.img and the tarball kept theirs.
  two       two tarballs (one in boot-images/): one line saying to keep one, no menu,
            the rescue shell.
  nokernel  one tarball whose root has no /boot/vmlinuz: "1" tries, the installer
            refuses in one line, the rescue shell follows, and the card holds no
            Demo-2.0.0.img nor a left-over temporary file.
  reboot    the nokernel card again: "3" (reboot) says so in one line and the machine
            restarts (QEMU, run with -no-reboot, exits cleanly) without installing.
"""

import subprocess
import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402
from qemuboot import TestFailure, note  # noqa: E402

TARBALL = "Demo-1.2.0-rootfs.tar.gz"
MTOOLS_ENV = {"MTOOLS_SKIP_CHECK": "1"}
# The rescue shell is expected in two cases: its line must not end the waiting.
RESCUE_GIVE_UP_ON = (r"Kernel panic", r"hopboot: no boot card found", r"HOPBOOT-DEMO")


def make_tarball(root, tarball):
    qemuboot.run_tool(["tar", "-C", root, "-czf", tarball, "."])
    return tarball


def card_put(card, source, inner_dir=""):
    """Copy `source` into the card's top directory (or INNER_DIR, created)."""
    where = f"{card}@@{qemuboot.PARTITION_OFFSET}"
    if inner_dir:
        qemuboot.run_tool(["mmd", "-i", where, f"::/{inner_dir}"], env=MTOOLS_ENV)
    qemuboot.run_tool(["mcopy", "-i", where, source, f"::/{inner_dir}"], env=MTOOLS_ENV)


def expect_rescue_menu(q, action):
    q.expect(r"hopboot: rescue menu:\n", qemuboot.LOADER_TIMEOUT)
    q.expect(rf"hopboot:   1\) {qemuboot._v(action)}\n")
    q.expect(r"hopboot:   2\) rescue shell\n")
    q.expect(r"hopboot:   3\) reboot\n")
    q.expect(r"hopboot: starting the rescue shell in 3 s \(any key: menu\)")


def case_install(ctx):
    old = ctx.stage_demo("1.0.0")["1.0.0"]
    qemuboot.corrupt_middle(old)
    root = ctx.workdir / "rootfs-1.2.0"
    qemuboot.run_script("demo-rootfs", "-o", root, "--name", "Demo", "--version", "1.2.0", "--kernel-dir",
                        ctx.artifact("kernel"), build=ctx.build, log=ctx.tool_log)
    tarball = make_tarball(root, ctx.workdir / TARBALL)
    card = ctx.make_card([old], card="install.img", menu_timeout=None, size=160)
    card_put(card, tarball)
    before = {name: qemuboot.sha1_of(path) for name, path in ((old.name, old), (TARBALL, tarball))}

    with ctx.boot(card, log="install") as q:
        qemuboot.expect_rejected(q, "Demo-1.0.0.img", "checksum mismatch")
        expect_rescue_menu(q, f"install Demo-1.2.0 from {TARBALL}")
        q.send_keys("1")
        q.expect(rf"hopboot: install Demo-1\.2\.0 from {TARBALL} chosen in the rescue menu\n")
        q.expect(rf"hopboot: installing Demo-1\.2\.0\.img from {TARBALL}\n")
        said = q.expect(rf"hopboot: installed Demo-1\.2\.0\.img from {TARBALL} \(sha1 ([0-9a-f]{{40}})\)\n",
                        300).group(1)
        qemuboot.expect_candidates(q, "Demo-1.2.0.img", "Demo-1.0.0.img")
        q.expect(r"hopboot: Demo-1\.2\.0\.img: trial boot 1 of 3, until the OS confirms it")
        qemuboot.expect_demo_boot(q, "1.2.0")
        qemuboot.expect_poweroff(q)
        q.expect_not(r"starting rescue shell")

    listing = qemuboot.card_list(card)
    for name in ("Demo-1.2.0.img", "Demo-1.2.0.img.sha1", "Demo-1.2.0.img.sha256"):
        if name not in listing:
            raise TestFailure(f"the card has no {name} after the install: {' '.join(sorted(listing))}")
    leftovers = [name for name in listing if name.endswith(".tmp")]
    if leftovers:
        raise TestFailure(f"temporary files left on the card: {' '.join(leftovers)}")
    got = ctx.workdir / "from-card"
    got.mkdir()
    image = qemuboot.card_extract(card, "Demo-1.2.0.img", got / "Demo-1.2.0.img")
    for suffix, tool in ((".sha1", "sha1sum"), (".sha256", "sha256sum")):
        qemuboot.card_extract(card, f"Demo-1.2.0.img{suffix}", got / f"Demo-1.2.0.img{suffix}")
        qemuboot.run_tool([tool, "-c", f"Demo-1.2.0.img{suffix}"], cwd=got)
    if qemuboot.sha1_of(image) != said:
        raise TestFailure(f"the loader said sha1 {said}, the card's image has {qemuboot.sha1_of(image)}")
    if "/boot/vmlinuz" not in qemuboot.squashfs_list(image):
        raise TestFailure("the installed image has no /boot/vmlinuz")
    # The workstation's mkimg --from-tar makes the same bytes (both run as root here).
    host = ctx.workdir / "host"
    host.mkdir()
    qemuboot.run_script("mkimg", "--from-tar", tarball, "-o", host, build=ctx.build, log=ctx.tool_log)
    if qemuboot.sha1_of(host / "Demo-1.2.0.img") != said:
        raise TestFailure("mkimg --from-tar on the host made other bytes than the loader's install")
    for name in before:
        after = qemuboot.sha1_of(qemuboot.card_extract(card, name, ctx.workdir / f"after-{name}"))
        if after != before[name]:
            raise TestFailure(f"{name} changed on the card during the install")
    note("installed image matches its sums and the host's build; the other files are untouched")


def case_two(ctx):
    tarball = ctx.workdir / TARBALL
    card = ctx.make_card([], card="two.img", menu_timeout=None)
    card_put(card, tarball)
    other = ctx.workdir / "Demo-1.3.0-rootfs.tar.gz"
    other.write_bytes(tarball.read_bytes())
    card_put(card, other, "boot-images")
    with ctx.boot(card, log="two", give_up_on=RESCUE_GIVE_UP_ON) as q:
        q.expect(rf"hopboot: two root file system tarballs on the card \({TARBALL}, "
                 r"boot-images/Demo-1\.3\.0-rootfs\.tar\.gz\): keep one to install\n", qemuboot.LOADER_TIMEOUT)
        qemuboot.expect_rescue(q)
        q.expect_not(r"rescue menu|install Demo")


def case_nokernel(ctx):
    root = ctx.workdir / "rootfs-nokernel"
    (root / "boot").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "etc" / "os-release").write_text("NAME=no-kernel\n")
    tarball = make_tarball(root, ctx.workdir / "Demo-2.0.0-rootfs.tar.gz")
    card = ctx.make_card([], card="nokernel.img", menu_timeout=None)
    card_put(card, tarball)
    with ctx.boot(card, log="nokernel", give_up_on=RESCUE_GIVE_UP_ON) as q:
        expect_rescue_menu(q, "install Demo-2.0.0 from Demo-2.0.0-rootfs.tar.gz")
        q.send_keys("1")
        q.expect(r"hopboot: cannot install Demo-2\.0\.0\.img from Demo-2\.0\.0-rootfs\.tar\.gz: "
                 r"Demo-2\.0\.0-rootfs\.tar\.gz holds no kernel at /boot/vmlinuz or /boot/bzImage\n", 120)
        qemuboot.expect_rescue(q)
    check_no_install(card, "a failed install")
    return card


def check_no_install(card, what):
    stray = [name for name in qemuboot.card_list(card) if name.startswith("Demo-2.0.0.img")]
    if stray:
        raise TestFailure(f"{what} left {' '.join(stray)} on the card")


def case_reboot(ctx, card):
    with ctx.boot(card, log="reboot", give_up_on=RESCUE_GIVE_UP_ON) as q:
        expect_rescue_menu(q, "install Demo-2.0.0 from Demo-2.0.0-rootfs.tar.gz")
        q.send_keys("3")
        q.expect(r"hopboot: reboot chosen in the rescue menu, rebooting\n")
        qemuboot.expect_clean_exit(q)
        q.expect_not(r"installing Demo|starting rescue shell")
    check_no_install(card, "choosing reboot")


def main(ctx):
    case_install(ctx)
    case_two(ctx)
    case_reboot(ctx, case_nokernel(ctx))


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
