#!/usr/bin/env python3
"""hopboot goes through a card with a thousand images, one line per rejected image, newest
first, and boots the one good image at the end, in reasonable time.

Card (hopboot.name=D): 1000 candidates.  D-1.0.0.img is the demo image Demo-1.0.0 under
another name, with its .sha1; D-1001.img ... D-1999.img are 999 one-byte images, all newer,
broken in turn by their version modulo 3:

  0  no .sha1                          "no checksum file D-N.img.sha1"
  1  .sha1 says "not a checksum"       "malformed checksum file D-N.img.sha1"
  2  .sha1 holds the sha1 of "y"       "checksum mismatch (file is 11f6ad8ec52a..., D-N.img.sha1
                                        says 95cb0bfd2977...)"

Every one of the 999 lines is checked, in order, each naming the next candidate; then
D-1.0.0 boots (the demo OS still calls itself Demo 1.0.0) and the loader must have got
from the candidates line to "booting" within MAX_WALK_SECONDS.

Why "D": mtools, which makes the card, looks for a free short (8.3) name by trying each
numeric tail in turn, so a thousand long names sharing their first six characters
("DEMO-2~1" ...) take minutes to copy; D-1001.img is a valid short name of its own.
The root directory of the card's FAT32 is a cluster chain and has room for all of them
(FAT16's fixed root would hold 512 entries).
"""

import re
import sys

sys.dont_write_bytecode = True
import badinput  # noqa: E402
import qemuboot  # noqa: E402

NAME = "D"
FIRST, LAST = 1001, 1999
MAX_WALK_SECONDS = 120
X_SHA1 = badinput.sha1_hex(b"x")
Y_SHA1 = badinput.sha1_hex(b"y")


def expected_line(version, following):
    file = f"{NAME}-{version}.img"
    kind = version % 3
    if kind == 0:
        reason = f"no checksum file {file}.sha1"
    elif kind == 1:
        reason = f"malformed checksum file {file}.sha1"
    else:
        reason = f"checksum mismatch (file is {X_SHA1[:12]}..., {file}.sha1 says {Y_SHA1[:12]}...)"
    return f"hopboot: {file}: {reason}, trying {following}"


def main(ctx):
    demo = ctx.demo_image("1.0.0")
    out = badinput.staging(ctx, "images")
    good = out / f"{NAME}-1.0.0.img"
    good.write_bytes(demo.read_bytes())
    badinput.write_bytes(f"{good}.sha1", badinput.sha1_line(qemuboot.sha1_of(good), good.name).encode())

    cases = badinput.staging(ctx)
    files = []
    for version in range(LAST, FIRST - 1, -1):
        file = cases / f"{NAME}-{version}.img"
        files.append(badinput.write_bytes(file, b"x"))
        if version % 3 == 1:
            files.append(badinput.write_bytes(f"{file}.sha1", b"not a checksum\n"))
        elif version % 3 == 2:
            files.append(badinput.write_bytes(f"{file}.sha1", badinput.sha1_line(Y_SHA1, file.name).encode()))

    card = badinput.make_card(ctx, [good], extra=files, name=NAME)
    names = badinput.card_names(card)
    images = [n for n in names if re.fullmatch(rf"{NAME}-[0-9.]+\.img", n)]
    if len(images) != 1000:
        raise qemuboot.TestFailure(f"card holds {len(images)} {NAME}-*.img files, expected 1000")

    versions = list(range(LAST, FIRST - 1, -1))
    expected = [expected_line(v, f"{NAME}-{versions[i + 1]}.img" if i + 1 < len(versions) else good.name)
                for i, v in enumerate(versions)]
    with ctx.boot(card) as q:
        start = q.expect(rf"hopboot: candidates: {NAME}-1999\.img {NAME}-1998\.img ")
        booting = q.expect(rf"hopboot: booting {NAME}-1\.0\.0 from card \(sha1 ok")
        walk = q.arrival(booting.end()) - q.arrival(start.end())
        qemuboot.note(f"from the candidates line to booting: {walk:.1f} s")
        # The 999 lines exactly, in order, and nothing else from hopboot about these files.
        walked = badinput.without_kernel_lines(q.output[start.end():booting.start()])
        seen = re.findall(rf"^hopboot: {NAME}-[^:\n]*: [^\n]*$", walked, re.MULTILINE)
        seen = [line for line in seen if not line.startswith(f"hopboot: {good.name}: trial boot")]
        if seen != expected:
            first = next((i for i, (a, b) in enumerate(zip(seen, expected)) if a != b), min(len(seen), len(expected)))
            q.fail(f"{len(seen)} rejection lines, expected {len(expected)}; first difference at #{first}:\n"
                   f"  seen:     {seen[first] if first < len(seen) else '(none)'!r}\n"
                   f"  expected: {expected[first] if first < len(expected) else '(none)'!r}")
        qemuboot.note(f"all {len(expected)} rejection lines seen, in order")
        if walk > MAX_WALK_SECONDS:
            q.fail(f"going through 1000 candidates took {walk:.1f} s, more than {MAX_WALK_SECONDS} s")
        q.expect(r"HOPBOOT-DEMO name=Demo version=1\.0\.0\s", qemuboot.DEMO_TIMEOUT)
        q.expect(rf"HOPBOOT-DEMO booted={NAME}-1\.0\.0 from=card\s", qemuboot.DEMO_TIMEOUT)
        q.expect(r"HOPBOOT-DEMO root=overlay\s", qemuboot.DEMO_TIMEOUT)
        words = q.expect(r"HOPBOOT-DEMO cmdline=([^\n]*)\n", qemuboot.DEMO_TIMEOUT).group(1).split()
        qemuboot.check_cmdline(q, words, f"{NAME}-1.0.0", "card", True)
        qemuboot.expect_poweroff(q)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
