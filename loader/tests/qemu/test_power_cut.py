#!/usr/bin/env python3
"""Power cuts at random moments never leave a card that does not boot a verified image.

Card: Demo-1.0.0 (+ .sha1) and, under incoming/, Demo-1.1.0 (+ .sha1); the
loader counts trial boots (hopboot.tries=3, the default).  The OS blesses its
boot, then runs soak.sh from the card (demo.run=): it copies the upgrade
incoming/Demo-1.1.0.img onto the card with 16 random bytes appended (a new
build each time, so the next boot has it on trial) and writes its .sha1 when it
is not there, and deletes both when it is, as a user upgrading and falling back
would.

Each cycle picks, from a seeded random generator (the seed and every choice
are logged), one moment to kill QEMU with SIGKILL, the closest a test gets to
pulling the plug:
  trial   0-80 ms after the loader says "trial boot N of M": while it writes
          its counter to the card (the boot after it is the check);
  bless   0-400 ms after the OS's first lines: while hopboot-bless writes;
  copy    0-2500 ms into soak.sh: while the image or its .sha1 is copied or
          deleted on the card;
  none    no kill: the OS powers off by itself.
Every boot that is not killed before the OS starts must reach the demo OS
through the loader's "booting Demo-X from card (sha1 ok" line (a verified
image, old or new), and no boot may ever reach the rescue shell.  A summary
(cycles, kills per moment, versions booted, repairs by fsck.fat, unbootable
cycles) goes to the console and, with --summary FILE, to FILE.  ci/soak N
runs this with --cycles N.
"""

import json
import random
import re
import sys
import time

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402
from qemuboot import TestFailure  # noqa: E402

SOAK_SCRIPT = """#!/bin/sh
# soak.sh (test_power_cut): swap the upgrade in or out, as a user would.
cd /media/card || exit 1
if [ -e Demo-1.1.0.img ]; then
	echo "SOAK remove"
	rm -f Demo-1.1.0.img.sha1 Demo-1.1.0.img
else
	echo "SOAK copy"
	# A build of its own each time (squashfs ignores bytes past its end), so the next
	# boot puts it on trial and writes the counter: the image, then its .sha1.
	cp incoming/Demo-1.1.0.img Demo-1.1.0.img
	head -c 16 /dev/urandom >>Demo-1.1.0.img
	sha1sum Demo-1.1.0.img >Demo-1.1.0.img.sha1
fi
sync
echo "SOAK done"
"""

MOMENTS = ("trial", "bless", "copy", "none")
BOOTED = re.compile(r"hopboot: booting (Demo-1\.[01]\.0) from card \(sha1 ok")
RESCUE = r"starting rescue shell|hopboot-rescue# "


def add_arguments(parser):
    parser.add_argument("--cycles", type=int, default=4, help="power cuts to survive (default 4)")
    parser.add_argument("--seed", type=int, help="random seed (default: from the clock, logged)")
    parser.add_argument("--summary", help="also write the summary (JSON) to this file")


def make_soak_card(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    # Each power cut during a copy may leave lost clusters, which fsck.fat -a saves as
    # FSCKnnnn.REC files: a long soak needs the room.
    card = ctx.make_card([images["1.0.0"]], append="demo.poweroff demo.run=/media/card/soak.sh",
                         size=None if ctx.args.cycles <= 10 else 1024)
    script = ctx.workdir / "soak.sh"
    script.write_text(SOAK_SCRIPT)
    target = f"{card}@@{qemuboot.PARTITION_OFFSET}"
    qemuboot.run_tool(["mmd", "-i", target, "::incoming"], log=ctx.tool_log)
    qemuboot.run_tool(["mcopy", "-i", target, images["1.1.0"], f"{images['1.1.0']}.sha1", "::incoming/"],
                      log=ctx.tool_log)
    qemuboot.run_tool(["mcopy", "-i", target, script, "::soak.sh"], log=ctx.tool_log)
    return card


def kill_after(q, seconds):
    time.sleep(seconds)
    q.kill()  # SIGKILL: no chance to flush anything


def check_no_rescue(q):
    if re.search(RESCUE, q.output):
        q.fail("the loader reached the rescue shell after a power cut")


def verified_boot(q, stats, label=None):
    """The boot reaches the OS through the loader's verified-boot line (LABEL: already
    seen, naming that image)."""
    if label is None:
        label = q.expect(BOOTED.pattern, qemuboot.LOADER_TIMEOUT).group(1)
    q.expect(rf"HOPBOOT-DEMO booted={re.escape(label)} from=card\s", qemuboot.DEMO_TIMEOUT)
    stats["booted"][label] = stats["booted"].get(label, 0) + 1
    if "fsck.fat repaired it" in q.output:
        stats["fsck_repairs"] += 1
    return label


def cycle(ctx, card, number, rng, stats):
    moment = rng.choice(MOMENTS)
    stats["moments"][moment] += 1
    with ctx.boot(card, log=f"cycle{number:03d}") as q:
        if moment == "trial":
            delay = rng.uniform(0, 0.08)
            found = q.expect(rf"(?:{BOOTED.pattern}|hopboot: Demo-1\.[01]\.0\.img: trial boot \d)",
                             qemuboot.LOADER_TIMEOUT)
            if found.group(1) is None:
                qemuboot.note(f"cycle {number}: cut {delay * 1000:.0f} ms after the trial line")
                kill_after(q, delay)
                check_no_rescue(q)
                stats["kills"] += 1
                stats["cuts"]["trial"] += 1
                return after_loader_cut(ctx, card, number, stats)
            qemuboot.note(f"cycle {number}: nothing on trial this boot, cutting during the copy instead")
            moment = "copy"
            label = verified_boot(q, stats, found.group(1))
        else:
            label = verified_boot(q, stats)
        if moment == "bless":
            delay = rng.uniform(0, 0.4)
            q.expect(r"HOPBOOT-DEMO cmdline=", qemuboot.DEMO_TIMEOUT)
        elif moment == "copy":
            delay = rng.uniform(0, 2.5)
            q.expect(r"SOAK (copy|remove)\s", qemuboot.DEMO_TIMEOUT)
        else:
            q.expect(r"SOAK done\s", qemuboot.DEMO_TIMEOUT)
            qemuboot.expect_poweroff(q)
            check_no_rescue(q)
            qemuboot.note(f"cycle {number}: {label} booted, no cut")
            return
        qemuboot.note(f"cycle {number}: {label} booted, cut {delay * 1000:.0f} ms into '{moment}'")
        kill_after(q, delay)
        stats["kills"] += 1
        stats["cuts"][moment] += 1
        check_no_rescue(q)


def after_loader_cut(ctx, card, number, stats):
    with ctx.boot(card, log=f"cycle{number:03d}-after") as q:
        label = verified_boot(q, stats)
        q.expect(r"SOAK done\s", qemuboot.DEMO_TIMEOUT)
        qemuboot.expect_poweroff(q)
        check_no_rescue(q)
        qemuboot.note(f"cycle {number}: {label} booted after the cut in the loader")


def main(ctx):
    seed = ctx.args.seed if ctx.args.seed is not None else int(time.time())
    qemuboot.note(f"seed {seed} (rerun with --seed {seed}), {ctx.args.cycles} cycles")
    rng = random.Random(seed)
    stats = {"seed": seed, "cycles": 0, "kills": 0, "moments": dict.fromkeys(MOMENTS, 0), "booted": {},
             "cuts": dict.fromkeys(MOMENTS[:-1], 0),
             "fsck_repairs": 0, "unbootable": 0}
    card = make_soak_card(ctx)
    start = time.monotonic()
    try:
        for number in range(1, ctx.args.cycles + 1):
            cycle(ctx, card, number, rng, stats)
            stats["cycles"] = number
    except TestFailure:
        stats["unbootable"] += 1
        raise
    finally:
        stats["seconds"] = round(time.monotonic() - start, 1)
        text = json.dumps(stats, sort_keys=True)
        print(f"power-cut summary: {text}", flush=True)
        if ctx.args.summary:
            with open(ctx.args.summary, "w") as handle:
                handle.write(text + "\n")
    # The upgrade's bytes on the card are either absent or whole: never half an image
    # that the next boot would take for good.
    names = qemuboot.card_list(card)
    qemuboot.note(f"card after the soak: {' '.join(sorted(names))}")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__, add_arguments))
