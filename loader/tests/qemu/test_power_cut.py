#!/usr/bin/env python3
"""Power cuts at random moments never leave a card that does not boot a verified image,
and the image that boots after a cut is the one the card says must boot.

Card: Demo-1.0.0 (+ .sha1) and, under incoming/, Demo-1.1.0 (+ .sha1); the
loader counts trial boots (hopboot.tries=3, the default).  The OS blesses its
boot, then runs soak.sh from the card (demo.run=): it copies the upgrade
incoming/Demo-1.1.0.img onto the card with 16 random bytes appended (a new
build each time, so the next boot has it on trial) and then writes its .sha1,
when it is not there, and deletes both when it is, as a user upgrading and
falling back would (the card remounted read-write for just that long).

Each cycle picks, from a random generator seeded with --seed (fixed by default,
so that a run repeats the same draws; ci/soak passes random seeds; the seed and
every choice are logged), one moment to kill QEMU with SIGKILL, the closest a
test gets to pulling the plug:
  trial   0-80 ms after the loader says "trial boot N of M": while it writes
          its counter to the card (a boot with nothing on trial cuts during
          the copy instead);
  bless   0-400 ms after the OS's first lines: while hopboot-bless writes;
  copy    0-2500 ms into soak.sh: while the image or its .sha1 is copied or
          deleted on the card;
  none    no kill: the OS powers off by itself.
After the last cycle, when it ended in a cut, one more boot runs to the end.

Before every boot (so after every cut) the test reads the card on the host as
the loader will see it: a copy of its partition repaired by `fsck.fat -a`, as the
loader repairs the card before it reads it.  There the upgrade is absent or whole:
whenever Demo-1.1.0.img.sha1 names the digest of Demo-1.1.0.img (what makes the
loader take it for good), the image is exactly incoming/Demo-1.1.0.img followed
by 16 bytes; an image whose .sha1 is missing, empty or does not match is a copy
the cut interrupted.  From that card the test derives what must boot, with the
loader's rules (README "Upgrading and falling back", trial.c, state.c): the
boot state is the valid slot of hopboot/state.a and state.b with the higher
sequence number (CRC-32 checked); newest first, an image boots when its .sha1
matches and its record (same file and digest) is good, or on trial with tries
left ("trial boot N of 3", N from the record), or absent (trial boot 1); one
out of tries or marked bad is passed over; when every verified image failed
its trial, the newest of them boots anyway.  The boot must then show exactly
that: the trial line with that N (or none), the loader's "booting Demo-X from
card (sha1 ok" line, a line passing over each newer image, the demo OS with
hopboot.booted=Demo-X, and "fsck.fat repaired it" exactly when the host's
fsck.fat repaired the copy.  A card on which no image would verify, or that
fsck.fat cannot repair, fails the test, and no boot may reach the rescue shell.
A summary (cycles, kills per moment, versions booted, what the card held
before each boot, repairs by fsck.fat, the failure if any) goes to the
console and, with --summary FILE, to FILE.  ci/soak N runs this with
--cycles N and random seeds.
"""

import hashlib
import json
import random
import re
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402
from qemuboot import TestFailure  # noqa: E402

SOAK_SCRIPT = """#!/bin/sh
# soak.sh (test_power_cut): swap the upgrade in or out, as a user would: the card
# read-write for just that long (where the OS keeps it read-only; elsewhere this
# remount is a no-op and the one back may be refused).
mount -o remount,rw /media/card || exit 1
cd /media/card || exit 1
if [ -e Demo-1.1.0.img ]; then
	echo "SOAK remove"
	rm -f Demo-1.1.0.img.sha1 Demo-1.1.0.img
else
	echo "SOAK copy"
	# A build of its own each time (squashfs ignores bytes past its end), so the next
	# boot puts it on trial and writes the counter: the image, then its .sha1.
	cp incoming/Demo-1.1.0.img Demo-1.1.0.img || { echo "SOAK copy failed"; exit 1; }
	head -c 16 /dev/urandom >>Demo-1.1.0.img
	sha1sum Demo-1.1.0.img >Demo-1.1.0.img.sha1
fi
sync
cd /
mount -o remount,ro /media/card 2>/dev/null
echo "SOAK done"
"""

# The draws of the default seed: none, trial, bless, copy.  The first boot (Demo-1.0.0 on
# trial) copies the upgrade, the second is cut while the loader counts the upgrade's trial,
# the third while the OS blesses it, the fourth while soak.sh removes it.
DEFAULT_SEED = 279
MOMENTS = ("trial", "bless", "copy", "none")
WINDOW = {"trial": 0.08, "bless": 0.4, "copy": 2.5}   # seconds: a cut comes in [0, WINDOW)
TRIES = 3                                             # hopboot.tries= default
UPGRADE, FALLBACK = "1.1.0", "1.0.0"
APPENDED = 16                                         # bytes soak.sh appends to the upgrade
BOOTED = re.compile(r"hopboot: booting (Demo-1\.[01]\.0) from card \(sha1 ok")
TRIAL = re.compile(r"hopboot: (Demo-1\.[01]\.0)\.img: trial boot (\d+) of (\d+)")
RESCUE = r"starting rescue shell|hopboot-rescue# "
REPAIRED = r"hopboot: card \S+ was not cleanly unmounted: fsck\.fat repaired it"
STATE_SLOT_SIZE = 4096
MTOOLS_ENV = {"MTOOLS_SKIP_CHECK": "1"}


def add_arguments(parser):
    parser.add_argument("--cycles", type=int, default=4, help="power cuts to survive (default 4)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED}: the same draws every run; ci/soak "
                             "passes random ones)")
    parser.add_argument("--summary", help="also write the summary (JSON) to this file")


def image_name(version):
    return f"Demo-{version}.img"


def make_soak_card(ctx):
    images = ctx.stage_demo(FALLBACK, UPGRADE)
    # Room for incoming/ and the copy the OS makes of it, beside the fallback, the loader
    # and the keydisk (a full card would cut the copy short: soak.sh cannot tell).  Each
    # power cut during a copy may leave lost clusters, which fsck.fat -a saves as
    # FSCKnnnn.REC files: a long soak needs more.
    upgrade_mib = images[UPGRADE].stat().st_size // (1 << 20) + 1
    card = ctx.make_card([images[FALLBACK]], append="demo.poweroff demo.run=/media/card/soak.sh",
                         size=96 + 3 * upgrade_mib if ctx.args.cycles <= 10 else 1024)
    script = ctx.workdir / "soak.sh"
    script.write_text(SOAK_SCRIPT)
    target = f"{card}@@{qemuboot.PARTITION_OFFSET}"
    qemuboot.run_tool(["mmd", "-i", target, "::incoming"], log=ctx.tool_log)
    qemuboot.run_tool(["mcopy", "-i", target, images[UPGRADE], f"{images[UPGRADE]}.sha1", "::incoming/"],
                      log=ctx.tool_log)
    qemuboot.run_tool(["mcopy", "-i", target, script, "::soak.sh"], log=ctx.tool_log)
    return card, images


# --- the card as the next boot sees it -----------------------------------------------

def copy_partition(card, out):
    """The card's vfat partition (from PARTITION_OFFSET to the end) into OUT, sparse."""
    with open(card, "rb") as source, open(out, "wb") as target:
        source.seek(qemuboot.PARTITION_OFFSET)
        while True:
            chunk = source.read(1 << 20)
            if not chunk:
                break
            if chunk.count(0) == len(chunk):
                target.seek(len(chunk), 1)
            else:
                target.write(chunk)
        target.truncate()


def repaired_copy(ctx, card):
    """A copy of the card's partition after `fsck.fat -a -w` (what the loader runs before
    it reads anything).  Returns (path, whether fsck.fat repaired something)."""
    part = ctx.workdir / "partition.img"
    copy_partition(card, part)
    result = subprocess.run(["fsck.fat", "-a", "-w", part], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(ctx.tool_log, "a") as log:
        log.write(f"$ fsck.fat -a -w {part}\n{result.stdout}(exit {result.returncode})\n")
    if result.returncode not in (0, 1):
        raise TestFailure(f"fsck.fat cannot repair the card after a power cut (status {result.returncode}); "
                          f"the loader would stop counting trial boots:\n{result.stdout}")
    if result.returncode == 1:
        qemuboot.note("host: fsck.fat repaired the card's copy: "
                      + "; ".join(line for line in result.stdout.splitlines()[1:] if line.strip())[:300])
    return part, result.returncode == 1


def list_folder(part, folder=""):
    """Names in ::/FOLDER of the partition image PART (subfolders end in "/")."""
    listing = qemuboot.run_tool(["mdir", "-a", "-b", "-i", part, f"::/{folder}"], env=MTOOLS_ENV)
    prefix = f"::/{folder}/" if folder else "::/"
    return [path[len(prefix):] for path in listing.split() if path.startswith(prefix)]


def read_file(ctx, part, path):
    out = ctx.workdir / "card-file"
    if out.exists():
        out.unlink()
    qemuboot.run_tool(["mcopy", "-n", "-i", part, f"::/{path}", out], env=MTOOLS_ENV)
    return out.read_bytes()


def read_card(ctx, part):
    """{name: bytes} of what the loader reads: the demo images and their .sha1 files, and
    the state slots (as "hopboot/state.a", "hopboot/state.b")."""
    names = list_folder(part)
    wanted = [name for name in names if re.fullmatch(r"Demo-.*\.img(\.sha1)?", name)]
    if "hopboot/" in names:
        wanted += [f"hopboot/{name}" for name in list_folder(part, "hopboot") if name in ("state.a", "state.b")]
    return {name: read_file(ctx, part, name) for name in wanted}


def parse_slot(data):
    """A state slot's records as state.c reads them: (seq, {file: (status, tries_left,
    digest)}), or None when it is torn or malformed."""
    text = data.split(b"\0", 1)[0]
    if len(data) > STATE_SLOT_SIZE or len(text) >= STATE_SLOT_SIZE or len(text) < 14 or not text.endswith(b"\n"):
        return None
    end = len(text) - 14                      # "\nend XXXXXXXX\n"
    tail = text[end:]
    if not re.fullmatch(rb"\nend [0-9a-f]{8}\n", tail) or zlib.crc32(text[:end + 1]) != int(tail[5:13], 16):
        return None
    try:
        lines = text[:end + 1].decode("ascii").split("\n")[:-1]
    except UnicodeDecodeError:
        return None
    if not lines or lines[0] != "hopboot-state 1":
        return None
    seq, records = None, {}
    number = r"(0|[1-9][0-9]*)"
    for line in lines[1:]:
        words = line.split(" ")
        if words[0] == "seq" and len(words) == 2 and seq is None and re.fullmatch(number, words[1]):
            seq = int(words[1])
        elif words[0] == "floor" and len(words) == 2:
            continue
        elif words[0] == "image" and len(words) == 5 and words[2] == "trial" and re.fullmatch(number, words[3]) \
                and words[1] not in records:
            records[words[1]] = ("trial", int(words[3]), words[4])
        elif words[0] == "image" and len(words) == 4 and words[2] in ("good", "bad") and words[1] not in records:
            records[words[1]] = (words[2], 0, words[3])
        else:
            return None
    return None if seq is None else (seq, records)


def boot_state(files):
    """The records of the newest valid slot, as state_load picks it ({} when none is)."""
    slots = [parse_slot(files[name]) if name in files else None for name in ("hopboot/state.a", "hopboot/state.b")]
    a, b = slots
    if a is None and b is None:
        return {}
    return (a if b is None or (a is not None and a[0] > b[0]) else b)[1]


@dataclass
class Expected:
    """What the next boot must do."""
    version: str
    attempt: int = None                 # "trial boot N of 3", or None: no trial line
    passed_over: list = field(default_factory=list)   # (image, regex of the reason)
    last_resort: bool = False
    repaired: bool = False              # the loader's fsck.fat must say it repaired the card
    why: str = ""


def inspect_card(ctx, card, incoming, stats):
    """Read the card as the next boot sees it, check that the upgrade is absent or whole,
    and return the Expected boot."""
    part, repaired = repaired_copy(ctx, card)
    files = read_card(ctx, part)
    state = boot_state(files)
    verified = {}
    for version in (UPGRADE, FALLBACK):
        name = image_name(version)
        if name not in files:
            continue
        digest = hashlib.sha1(files[name]).hexdigest()
        verified[version] = (files.get(f"{name}.sha1") == f"{digest}  {name}\n".encode(), digest)

    # Absent or whole: bytes the loader would take for good are the upgrade, all of it.
    upgrade = files.get(image_name(UPGRADE))
    if upgrade is None:
        held = "absent"
    elif verified[UPGRADE][0]:
        if len(upgrade) != len(incoming) + APPENDED or upgrade[:len(incoming)] != incoming:
            raise TestFailure(f"{image_name(UPGRADE)} matches its .sha1 but is not incoming/{image_name(UPGRADE)} "
                              f"+ {APPENDED} bytes ({len(upgrade)} bytes, incoming {len(incoming)}): half an "
                              "image the next boot would take for good")
        held = "whole"
    else:
        held = "unsummed" if f"{image_name(UPGRADE)}.sha1" not in files else "mismatched"
    stats["upgrade_on_card"][held] = stats["upgrade_on_card"].get(held, 0) + 1

    expected = decide(verified, state)
    expected.repaired = repaired
    describe = ", ".join(f"{name} {status}{f' {left} left' if status == 'trial' else ''}"
                         for name, (status, left, _) in sorted(state.items())) or "no state"
    expected.why = f"card: upgrade {held}; {describe}"
    qemuboot.note(f"host: {expected.why} => Demo-{expected.version} must boot"
                  + (f" (trial boot {expected.attempt} of {TRIES})" if expected.attempt else "")
                  + (" as the last resort" if expected.last_resort else ""))
    return expected


def decide(verified, state):
    """The loader's choice (pipeline_boot_newest, trial_decide) among VERIFIED
    ({version: (sha1 matches, digest)}) under STATE."""
    passed_over, failed = [], []
    for version in (UPGRADE, FALLBACK):
        if version not in verified:
            continue
        name = image_name(version)
        ok, digest = verified[version]
        if not ok:
            passed_over.append((name, r"(no checksum file|malformed checksum file|checksum mismatch)"))
            continue
        status, left, recorded = state.get(name, (None, 0, None))
        if recorded != f"sha1:{digest}":
            status = None              # a record about other bytes: a new image
        if status == "good":
            return Expected(version, passed_over=passed_over)
        if status == "bad":
            passed_over.append((name, r"failed its trial boots earlier"))
            failed.append(version)
            continue
        left = min(left, TRIES) if status == "trial" else TRIES
        if left == 0:
            passed_over.append((name, rf"{TRIES} trial boots ended without the OS confirming it"))
            failed.append(version)
            continue
        return Expected(version, attempt=TRIES - left + 1, passed_over=passed_over)
    if failed:
        return Expected(failed[0], passed_over=passed_over, last_resort=True)
    raise TestFailure("no image on the card verifies: a power cut left a card that boots nothing")


# --- the boots ------------------------------------------------------------------------

def kill_after(q, seconds):
    time.sleep(seconds)
    q.kill()  # SIGKILL: no chance to flush anything


def check_no_rescue(q):
    if re.search(RESCUE, q.output):
        q.fail("the loader reached the rescue shell after a power cut")


def expect_trial_line(q, expected):
    """The loader's first decision line is the trial line the card calls for, or (no
    trial) its booting line.  Returns the match."""
    found = q.expect(rf"{TRIAL.pattern}|{BOOTED.pattern}", qemuboot.LOADER_TIMEOUT)
    if found.group(1) is not None:
        got = (found.group(1), int(found.group(2)), int(found.group(3)))
        if got != (f"Demo-{expected.version}", expected.attempt, TRIES):
            q.fail(f"the loader says trial boot {got[1]} of {got[2]} of {got[0]}; the card says "
                   + (f"trial boot {expected.attempt} of {TRIES} of Demo-{expected.version}" if expected.attempt
                      else f"Demo-{expected.version} boots without trial") + f" ({expected.why})")
    elif expected.attempt is not None:
        q.fail(f"the loader boots {found.group(4)} without a trial line; the card says trial boot "
               f"{expected.attempt} of {TRIES} of Demo-{expected.version} ({expected.why})")
    return found


def check_repair(q, expected):
    """The loader's fsck.fat repaired the card exactly when it repaired the host's copy
    (the copy is what the prediction read).  Returns whether it did."""
    repaired = re.search(REPAIRED, q.output) is not None
    if repaired != expected.repaired:
        q.fail(f"the loader's fsck.fat {'repaired' if repaired else 'did not repair'} the card; on the host's "
               f"copy it {'did' if expected.repaired else 'did not'}")
    return repaired


def expect_booted(q, expected, found, stats):
    """The loader boots the expected image, verified, having passed over the newer ones
    for the expected reasons, and the demo OS says it was booted that way."""
    label = found.group(4) if found.group(4) is not None else \
        q.expect(BOOTED.pattern, qemuboot.LOADER_TIMEOUT).group(1)
    if label != f"Demo-{expected.version}":
        q.fail(f"{label} booted; the card says Demo-{expected.version} must boot ({expected.why})")
    for name, reason in expected.passed_over:
        q.assert_seen(rf"hopboot: {re.escape(name)}: {reason}[^\n]*, (trying |no more images)")
    if expected.last_resort:
        q.assert_seen(rf"hopboot: no other image boots: trying {re.escape(label)}\.img although it failed")
    stats["fsck_repairs"] += check_repair(q, expected)
    q.expect(rf"HOPBOOT-DEMO booted={re.escape(label)} from=card\s", qemuboot.DEMO_TIMEOUT)
    stats["booted"][label] = stats["booted"].get(label, 0) + 1
    return label


def boot_to_end(q, expected, found, stats):
    label = expect_booted(q, expected, found, stats)
    q.expect(r"SOAK done\s", qemuboot.DEMO_TIMEOUT)
    qemuboot.expect_poweroff(q)
    check_no_rescue(q)
    return label


def cycle(ctx, card, incoming, number, rng, stats):
    """One boot, cut at the drawn moment (or not).  Returns whether it was cut."""
    moment, fraction = rng.choice(MOMENTS), rng.random()
    stats["moments"][moment] += 1
    expected = inspect_card(ctx, card, incoming, stats)
    if moment == "trial" and expected.attempt is None:
        qemuboot.note(f"cycle {number}: nothing on trial this boot, cutting during the copy instead")
        moment = "copy"
    delay = fraction * WINDOW.get(moment, 0)
    with ctx.boot(card, log=f"cycle{number:03d}") as q:
        found = expect_trial_line(q, expected)
        if moment == "trial":
            qemuboot.note(f"cycle {number}: cut {delay * 1000:.0f} ms after the trial line")
            kill_after(q, delay)
            check_no_rescue(q)
            stats["fsck_repairs"] += check_repair(q, expected)
            stats["kills"] += 1
            stats["cuts"]["trial"] += 1
            return True
        if moment == "none":
            label = boot_to_end(q, expected, found, stats)
            qemuboot.note(f"cycle {number}: {label} booted, no cut")
            return False
        label = expect_booted(q, expected, found, stats)
        if moment == "bless":
            q.expect(r"HOPBOOT-DEMO cmdline=", qemuboot.DEMO_TIMEOUT)
        else:
            q.expect(r"SOAK (copy|remove)\s", qemuboot.DEMO_TIMEOUT)
        qemuboot.note(f"cycle {number}: {label} booted, cut {delay * 1000:.0f} ms into '{moment}'")
        kill_after(q, delay)
        stats["kills"] += 1
        stats["cuts"][moment] += 1
        check_no_rescue(q)
        return True


def final_boot(ctx, card, incoming, stats):
    """After the last cut: the card boots what it says, to the end."""
    expected = inspect_card(ctx, card, incoming, stats)
    with ctx.boot(card, log="final") as q:
        label = boot_to_end(q, expected, expect_trial_line(q, expected), stats)
    stats["final_boot"] = label
    qemuboot.note(f"final boot: {label} booted, no cut")


def main(ctx):
    seed = ctx.args.seed
    qemuboot.note(f"seed {seed} (rerun with --seed {seed}), {ctx.args.cycles} cycles")
    rng = random.Random(seed)
    stats = {"seed": seed, "cycles": 0, "kills": 0, "moments": dict.fromkeys(MOMENTS, 0), "booted": {},
             "cuts": dict.fromkeys(MOMENTS[:-1], 0), "upgrade_on_card": {}, "final_boot": None,
             "fsck_repairs": 0, "failure": None}
    card, images = make_soak_card(ctx)
    incoming = images[UPGRADE].read_bytes()
    start = time.monotonic()
    try:
        cut = False
        for number in range(1, ctx.args.cycles + 1):
            cut = cycle(ctx, card, incoming, number, rng, stats)
            stats["cycles"] = number
        if cut:
            final_boot(ctx, card, incoming, stats)
    except TestFailure as failure:
        where = "the final boot" if stats["cycles"] == ctx.args.cycles else f"cycle {stats['cycles'] + 1}"
        stats["failure"] = f"{where}: {str(failure).splitlines()[0]}"
        raise
    finally:
        stats["seconds"] = round(time.monotonic() - start, 1)
        text = json.dumps(stats, sort_keys=True)
        print(f"power-cut summary: {text}", flush=True)
        if ctx.args.summary:
            with open(ctx.args.summary, "w") as handle:
                handle.write(text + "\n")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__, add_arguments))
