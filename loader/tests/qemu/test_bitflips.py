#!/usr/bin/env python3
"""hopboot rejects an image with a single flipped bit, wherever it is, and boots the good one.

One card: the good Demo-1.1.0 and, all newer, copies of it with one bit inverted, each
keeping the original .sha1 (made before the damage; it names the copy):

  Demo-2.0.B.img   bit 0 of the first byte of 512-byte block B, for B = the last block,
                   the middle block and the first block (the squashfs magic): each
                   "checksum mismatch (file is <sha1 of the damaged copy>, ... says <sha1
                   of the image>)", both digests checked.
  Demo-2.1.0.img   the image intact, bit 0 flipped in a digit of its .sha1's digest (the
                   first that stays hex, e.g. '2' -> '3'): "checksum mismatch", both
                   digests checked.
  Demo-2.2.0.img   the image intact, one bit flipped in the file name inside its .sha1
                   ('D' -> 'E'): "malformed checksum file" (it names another file).

Newest first: 2.2.0, 2.1.0, then the blocks from the last to the first, then Demo-1.1.0
boots.
"""

import sys

sys.dont_write_bytecode = True
import badinput  # noqa: E402
import qemuboot  # noqa: E402


def main(ctx):
    good = ctx.stage_demo("1.1.0")["1.1.0"]
    data = good.read_bytes()
    original = badinput.sha1_hex(data)
    blocks = (len(data) + 511) // 512
    out = badinput.staging(ctx)
    files, cases = [], []

    # The .sha1 itself damaged, the image intact.
    name = "Demo-2.2.0.img"
    line = bytearray(badinput.sha1_line(original, name).encode())
    line[42] ^= 1                                   # 'D' of the name -> 'E'
    files += [badinput.write_bytes(out / name, data), badinput.write_bytes(out / f"{name}.sha1", bytes(line))]
    cases.append((name, rf"malformed checksum file {qemuboot._v(name)}\.sha1"))

    name = "Demo-2.1.0.img"
    line = bytearray(badinput.sha1_line(original, name).encode())
    # The first digit that bit 0 turns into another hex digit ('a' and 'f' would become
    # non-hex: a malformed file, the case above).
    digit = next(i for i in range(40) if chr(line[i] ^ 1) in "0123456789abcdef")
    line[digit] ^= 1
    said = line[:40].decode()
    files += [badinput.write_bytes(out / name, data), badinput.write_bytes(out / f"{name}.sha1", bytes(line))]
    cases.append((name, rf"checksum mismatch \(file is {original[:12]}\.\.\., {qemuboot._v(name)}\.sha1 "
                        rf"says {said[:12]}\.\.\.\)"))

    # The image damaged, the .sha1 intact.
    for block in (blocks - 1, blocks // 2, 0):
        name = f"Demo-2.0.{block}.img"
        damaged = badinput.flip_bit(data, block * 512, 0)
        digest = badinput.sha1_hex(damaged)
        files += [badinput.write_bytes(out / name, damaged),
                  badinput.write_bytes(out / f"{name}.sha1", badinput.sha1_line(original, name).encode())]
        cases.append((name, rf"checksum mismatch \(file is {digest[:12]}\.\.\., {qemuboot._v(name)}\.sha1 "
                            rf"says {original[:12]}\.\.\.\)"))
        qemuboot.note(f"{name}: bit 0 of byte {block * 512} inverted (block {block} of {blocks})")

    card = badinput.make_card(ctx, [good], extra=files)
    badinput.boot_past(ctx, card, cases, good, "1.1.0")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
