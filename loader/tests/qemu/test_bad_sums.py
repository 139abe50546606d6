#!/usr/bin/env python3
"""hopboot rejects an image whose .sha1 is malformed in any way, and boots the good one.

One card: the good Demo-1.1.0 and, all newer, 4 KiB images Demo-2.0.K.img whose .sha1
(all otherwise "<sha1 of the image>  Demo-2.0.K.img") is, newest first:

  K   .sha1                                          line
  13  39 hex digits                                  malformed checksum file Demo-2.0.13.img.sha1
  12  8 hex digits ("da39a3ee")                      malformed checksum file ...
  11  a 'g' for the last digit                       malformed checksum file ...
  10  the right line for Demo-1.1.0.img (wrong name) malformed checksum file ...
   9  the right line twice                           malformed checksum file ...
   8  the right line, then one for Demo-1.1.0.img    malformed checksum file ...
   7  empty (0 bytes)                                malformed checksum file ...
   6  the right line padded to 4097 bytes            malformed checksum file ... (over 4 KiB)
   5  the right line then 8 MiB of junk              malformed checksum file ... (over 4 KiB)
   4  a UTF-8 byte order mark, then the right line   malformed checksum file ...
   3  BSD style "SHA1 (Demo-2.0.3.img) = <hex>"      malformed checksum file ...
   2  a directory, not a file                        Demo-2.0.2.img.sha1 is not a regular file
   1  missing                                        no checksum file Demo-2.0.1.img.sha1

Each gives exactly that one line naming the next candidate, in this order, then Demo-1.1.0
boots.
"""

import os
import sys

sys.dont_write_bytecode = True
import badinput  # noqa: E402
import qemuboot  # noqa: E402

MALFORMED = "malformed checksum file {sha1}"


def sums_cases(digest, name, other):
    """(K, .sha1 bytes or None for missing or "dir", reason template) newest first."""
    right = badinput.sha1_line(digest, name).encode()
    return [
        (13, badinput.sha1_line(digest[:39], name).encode(), MALFORMED),
        (12, badinput.sha1_line(digest[:8], name).encode(), MALFORMED),
        (11, badinput.sha1_line(digest[:39] + "g", name).encode(), MALFORMED),
        (10, badinput.sha1_line(digest, other).encode(), MALFORMED),
        (9, right + right, MALFORMED),
        (8, right + badinput.sha1_line(digest, other).encode(), MALFORMED),
        (7, b"", MALFORMED),
        (6, right.rstrip(b"\n") + b" " * (4097 - len(right)) + b"\n", MALFORMED),
        (5, right + b"x" * (8 << 20), MALFORMED),
        (4, b"\xef\xbb\xbf" + right, MALFORMED),
        (3, f"SHA1 ({name}) = {digest}\n".encode(), MALFORMED),
        (2, "dir", r"{sha1} is not a regular file"),
        (1, None, "no checksum file {sha1}"),
    ]


def main(ctx):
    good = ctx.stage_demo("1.1.0")["1.1.0"]
    out = badinput.staging(ctx)
    files, dirs, cases = [], [], []
    for k in range(13, 0, -1):
        name = f"Demo-2.0.{k}.img"
        data = os.urandom(4096)
        files.append(badinput.write_bytes(out / name, data))
        case_k, sha1, reason = sums_cases(badinput.sha1_hex(data), name, good.name)[13 - k]
        assert case_k == k
        if sha1 == "dir":
            dirs.append(f"{name}.sha1")
        elif sha1 is not None:
            files.append(badinput.write_bytes(out / f"{name}.sha1", sha1))
        cases.append((name, reason.format(sha1=qemuboot._v(f"{name}.sha1"))))
    sizes = {path.name: path.stat().st_size for path in files if path.name.endswith(".sha1")}
    qemuboot.note("sizes of the .sha1 files: " + ", ".join(f"{n} {s}" for n, s in sizes.items()))

    card = badinput.make_card(ctx, [good], extra=files, extra_dirs=dirs)
    badinput.boot_past(ctx, card, cases, good, "1.1.0")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
