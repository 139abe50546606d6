#!/usr/bin/env python3
"""hopboot says in one line why a file named like an image is no candidate, copes with
names at vfat's 255-character limit, and boots the good image.

One card (with 4 KiB clusters, which mtools needs for the longest names): the good
Demo-1.1.0 and

  ignored: named "Demo-...img" but the version is no version; each has a 4 KiB body and
  a correct .sha1 (where the name leaves room for one), so only the name keeps it out.
  One line each, sorted by name, before the candidates line, "FILE: WHY, ignored":
    Demo-.img                      no version between the name and ".img"
    Demo-1.5.0 (copy).img          version "1.5.0 (copy)" is not numbers separated by dots
    Demo-1.5.0 - Copy.img          (spaces, as file managers name copies) the same
    Demo-1.8.0ü.img                (non-ASCII) the same
    Demo-１.９.img                 (fullwidth digits) the same
    Demo-1.2.3.4.5.6.7.8.9.img     version "..." has more than 8 parts
    Demo-1.1.1....1.img            254 characters of parts: more than 8 parts
    Demo-4294967296.img            version "4294967296" has a part larger than 4294967295
    Demo-999...9.img               255 characters, one part: larger than 4294967295
    Demo-3.0.0.img/                a directory: not a regular file
    boot-images/Demo-1.1.0.img     other bytes with a right .sha1, under the good image's
                                   name: "Demo-1.1.0.img is at the top too, and that one
                                   is used" (trial boots are counted by file name)

  silent: not named "Demo-...img" at all, so not mentioned anywhere: "Demo 1.7.0.img"
  (space for the dash), "Démo-2.0.0.img" (non-ASCII name), "demo-2.0.0.img" (case).

  candidates with long names, newest first (leading zeros make long but valid versions):
    Demo-000...2.0.0.img  255 characters, so its .sha1 (260) cannot exist on vfat:
                          "no checksum file Demo-000...2.0.0.img.sha1"
    Demo-000...1.9.0.img  250 characters, its .sha1 (255) for other bytes:
                          "checksum mismatch (file is ..., Demo-000...1.9.0.img.sha1 says ...)"

Then Demo-1.1.0 boots, and no other.
"""

import os
import sys

sys.dont_write_bytecode = True
import badinput  # noqa: E402
import qemuboot  # noqa: E402

NOT_NUMBERS = 'version "{v}" is not numbers separated by dots'
TOO_MANY = 'version "{v}" has more than 8 parts'
TOO_LARGE = 'version "{v}" has a part larger than 4294967295'


def padded(version, length):
    """Demo-000...VERSION.img, `length` characters."""
    zeros = length - len("Demo-") - len(version) - len(".img")
    return f"Demo-{'0' * zeros}{version}.img"


def main(ctx):
    good = ctx.stage_demo("1.1.0")["1.1.0"]
    out = badinput.staging(ctx)
    many_parts = "1." * 122 + "1"
    ignored = {
        "Demo-.img": 'no version between the name and ".img"',
        "Demo-1.5.0 (copy).img": NOT_NUMBERS.format(v="1.5.0 (copy)"),
        "Demo-1.5.0 - Copy.img": NOT_NUMBERS.format(v="1.5.0 - Copy"),
        "Demo-1.8.0\u00fc.img": NOT_NUMBERS.format(v="1.8.0\u00fc"),
        "Demo-\uff11.\uff19.img": NOT_NUMBERS.format(v="\uff11.\uff19"),
        "Demo-1.2.3.4.5.6.7.8.9.img": TOO_MANY.format(v="1.2.3.4.5.6.7.8.9"),
        f"Demo-{many_parts}.img": TOO_MANY.format(v=many_parts),
        "Demo-4294967296.img": TOO_LARGE.format(v="4294967296"),
        f"Demo-{'9' * 246}.img": TOO_LARGE.format(v="9" * 246),
    }
    ignored_dirs = {"Demo-3.0.0.img": "not a regular file"}
    silent = ["Demo 1.7.0.img", "D\u00e9mo-2.0.0.img", "demo-2.0.0.img"]
    long_newest, long_next = padded("2.0.0", 255), padded("1.9.0", 250)

    files = []
    for name in [*ignored, *silent]:
        data = os.urandom(4096)
        files.append(badinput.write_bytes(out / name, data))
        if len(name) + len(".sha1") <= 255:
            files.append(badinput.write_bytes(out / f"{name}.sha1", badinput.sha1_line(
                badinput.sha1_hex(data), name).encode()))
    files.append(badinput.write_bytes(out / long_newest, os.urandom(4096)))
    data = os.urandom(4096)
    wrong = badinput.sha1_hex(b"other bytes")
    files.append(badinput.write_bytes(out / long_next, data))
    files.append(badinput.write_bytes(out / f"{long_next}.sha1", badinput.sha1_line(wrong, long_next).encode()))
    for name in (long_newest, long_next, f"{long_next}.sha1", f"Demo-{many_parts}.img", f"Demo-{'9' * 246}.img"):
        qemuboot.note(f"{len(name)} characters: {name[:24]}...{name[-16:]}")

    card = badinput.make_card(ctx, [good], extra=files, extra_dirs=list(ignored_dirs),
                              size_mb=badinput.LARGE_CLUSTER_CARD_MB)
    shadow = badinput.staging(ctx, "shadow")
    shadow_data = os.urandom(4096)
    shadow_files = [badinput.write_bytes(shadow / good.name, shadow_data),
                    badinput.write_bytes(shadow / f"{good.name}.sha1",
                                         badinput.sha1_line(badinput.sha1_hex(shadow_data), good.name).encode())]
    qemuboot.card_copy(card, *shadow_files, folder="boot-images", log=ctx.tool_log)
    shadowed = {f"boot-images/{good.name}":
                f"{good.name} is at the top too, and that one is used (one name, one trial record)"}
    names_on_card = badinput.card_names(card)
    missing = [name for name in [*ignored, *ignored_dirs, *silent, long_newest, long_next] if name not in names_on_card]
    if missing:
        raise qemuboot.TestFailure(f"mtools did not put these names on the card as given: {missing}")

    every_ignored = {**ignored, **ignored_dirs, **shadowed}
    cases = [(long_newest, rf"no checksum file {qemuboot._v(long_newest)}\.sha1"),
             (long_next, rf"checksum mismatch \(file is {badinput.sha1_hex(data)[:12]}\.\.\., "
                         rf"{qemuboot._v(long_next)}\.sha1 says {wrong[:12]}\.\.\.\)")]
    with ctx.boot(card) as q:
        qemuboot.expect_demo_boot(q, "1.1.0")
        qemuboot.expect_poweroff(q)
        badinput.check_lines(q, [
            *(badinput.ignored_line(name, qemuboot._v(every_ignored[name]))
              for name in sorted(every_ignored, key=lambda n: n.encode())),
            rf"^hopboot: candidates: {qemuboot._v(long_newest)} {qemuboot._v(long_next)} {qemuboot._v(good.name)}$",
            *badinput.rejected_lines(cases, good.name),
            r"^hopboot: booting Demo-1\.1\.0 from card "])
        for name in silent:
            q.expect_not(qemuboot._v(name))
        badinput.no_boot_of(q, [*every_ignored, *silent, long_newest, long_next])


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
