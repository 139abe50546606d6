#!/usr/bin/env python3
"""Changes made in the booted OS persist in kd.img; the image stays untouched.

Card: Demo-1.0.0 and Demo-1.1.0 with a fresh keydisk, no demo.poweroff (the
demo stays up with a shell).  Boot 1 writes a random token to
/etc/hopboot-persist and powers off with poweroff -f, unmounting nothing (a power
cut, as far as the keydisk knows).  Boot 2 of the same card says that e2fsck
repaired the keydisk (and /run/hopboot/status says keydisk_state=repaired, the
card read-only), reads the token back, finds the card read-only at /media/card,
checks the sha1 of /media/card/Demo-1.1.0.img and shuts down the way busybox
systems do (the demo's init runs umount -a -r and knows nothing of hopboot).  On the
host, the image on the card still has its old sha1 and holds no
/etc/hopboot-persist, the card's FAT dirty flag is clear (fsck.fat -n finds
nothing), and kd.img holds the token and is a clean ext4 (e2fsck -fn passes, state
clean, no journal to replay): stage 2's keeper made umount -r remount the keydisk
read-only.
"""

import secrets
import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402
from qemuboot import TestFailure, shell_run  # noqa: E402

PROMPT = "demo# "
PERSIST = "/etc/hopboot-persist"


def main(ctx):
    token = f"persist-{secrets.token_hex(8)}"
    images = ctx.stage_demo("1.0.0", "1.1.0")
    card = ctx.make_card(images.values(), append="")
    digest = qemuboot.sha1_of(qemuboot.card_extract(card, "/Demo-1.1.0.img", ctx.workdir / "before.img"))
    qemuboot.note(f"Demo-1.1.0.img on the card: sha1 {digest}")

    with ctx.boot(card, log="boot1") as q:
        qemuboot.expect_demo_boot(q, "1.1.0", poweroff=False)
        q.assert_seen(r"hopboot-stage2: root is Demo-1\.1\.0\.img \+ keydisk kd\.img\b")
        shell_run(q, f"echo {token} > {PERSIST}; sync; cat {PERSIST}", token, PROMPT)
        q.expect(PROMPT, 60)    # the shell is back: sync has returned
        q.send("poweroff -f")   # unmounts nothing: what sync wrote is all that persists
        qemuboot.expect_clean_exit(q)

    with ctx.boot(card, log="boot2") as q:
        qemuboot.expect_demo_boot(q, "1.1.0", poweroff=False)
        q.assert_seen(r"hopboot-stage2: keydisk kd\.img was not cleanly unmounted: e2fsck repaired it\s")
        shell_run(q, "grep -c -e '^keydisk_state=repaired$' -e '^upper=keydisk$' -e '^card=read-only$' "
                     "/run/hopboot/status", "3", PROMPT)
        shell_run(q, "touch /media/card/x 2>&1 | grep -c 'Read-only file system'", "1", PROMPT)
        shell_run(q, f"cat {PERSIST}", token, PROMPT)
        shell_run(q, "sha1sum /media/card/Demo-1.1.0.img", rf"{digest}  /media/card/Demo-1\.1\.0\.img", PROMPT)
        shell_run(q, "grep -c ' /media/keydisk ext4 rw' /proc/mounts", "1", PROMPT)
        q.send("poweroff")      # the clean way: the keydisk is remounted read-only first
        qemuboot.expect_clean_exit(q)

    after = qemuboot.card_extract(card, "/Demo-1.1.0.img", ctx.workdir / "after.img")
    if qemuboot.sha1_of(after) != digest:
        raise TestFailure(f"Demo-1.1.0.img changed on the card: sha1 {qemuboot.sha1_of(after)}, was {digest}")
    if PERSIST in qemuboot.squashfs_list(after):
        raise TestFailure(f"{PERSIST} is inside Demo-1.1.0.img, the image must stay read-only")
    keydisk = qemuboot.card_extract(card, "/kd.img", ctx.workdir / "kd.img")
    if token.encode() not in keydisk.read_bytes():
        raise TestFailure(f"token {token} not found in the card's kd.img")
    check_clean_ext4(keydisk)
    check_clean_card(card, ctx.workdir)
    qemuboot.note("image unchanged, token lives in kd.img, kd.img and the card are clean")


def check_clean_card(card, workdir):
    """The card's FAT after a normal shutdown: dirty flag clear, nothing for fsck.fat."""
    partition = workdir / "partition.img"
    qemuboot.run_tool(["dd", f"if={card}", f"of={partition}", "bs=1M", f"skip={qemuboot.PARTITION_OFFSET >> 20}",
                       "status=none"])
    report = qemuboot.run_tool(["fsck.fat", "-n", partition])
    if "Dirty bit" in report or "dirty" in report.lower():
        raise TestFailure(f"the card was left dirty:\n{report}")


def check_clean_ext4(image):
    """kd.img after a clean shutdown: nothing for e2fsck to fix or replay."""
    header = qemuboot.run_tool(["dumpe2fs", "-h", image])
    state = next((line.split(":", 1)[1].strip() for line in header.splitlines()
                  if line.startswith("Filesystem state:")), None)
    features = next((line for line in header.splitlines() if line.startswith("Filesystem features:")), "")
    if state != "clean" or "needs_recovery" in features:
        raise TestFailure(f"kd.img was not left clean: state {state!r}, {features}")
    qemuboot.run_tool(["e2fsck", "-fn", image])


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
