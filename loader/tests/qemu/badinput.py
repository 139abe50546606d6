"""Helpers for the bad-input matrix tests (test_bad_*.py, test_many_images.py).

Each of those tests puts many bad cases on ONE card, every case a candidate newer than a
good image, so one boot walks through all of them newest first: each must give its own
one-line rejection, in order, and then the good image boots.  This module makes such
cards (images/mkcard for the card and the good images, then one mcopy for all the case
files, which may have names mkcard would warn about) and checks the lines.
"""

import hashlib
import re
import struct
from pathlib import Path

import qemuboot

MTOOLS_ENV = {"MTOOLS_SKIP_CHECK": "1",
              # mtools converts long names from the locale's charset: UTF-8 for non-ASCII names.
              "LC_ALL": "C.UTF-8"}
MIB = 1 << 20
# mkfs.fat gives a FAT32 of 260 MiB or more 4 KiB clusters (smaller ones get 512 bytes),
# as on real SD cards.  mtools needs them for names near vfat's 255 characters: it grows a
# directory by one cluster only, and such a name takes 21 slots, more than the 16 of a
# 512-byte cluster ("No directory slots").
LARGE_CLUSTER_CARD_MB = 320


def sha1_hex(data):
    return hashlib.sha1(data).hexdigest()


def sha1_line(digest_hex, file_name):
    """A .sha1 file's text as sha1sum writes it."""
    return f"{digest_hex}  {file_name}\n"


def make_card(ctx, images, *, extra=(), extra_dirs=(), room=0, size_mb=None, name=None,
              append="demo.poweroff", card="card.img", menu_timeout=0):
    """A card holding `images` (with their .sha1, through images/mkcard) and then the
    files `extra` (paths; each lands in the card's root under its own base name) and the
    empty directories `extra_dirs` (names), added with one mcopy / mmd call each.

    The card is made large enough for the extra files and `room` more bytes (for files
    added later with card_add), at least `size_mb` MiB.  Returns the card's path.
    """
    extra = [Path(path) for path in extra]
    out = ctx.workdir / card
    contents = sum(Path(p).stat().st_size for p in images) + 64 * MIB  # kernel, initrd, keydisk
    contents += sum(p.stat().st_size + 4096 for p in extra) + room
    size_mb = max(64, size_mb or 0, contents // MIB + 32)
    args = ["-o", out, "--size", str(size_mb), "--loader-kernel", ctx.artifact("kernel/vmlinuz"),
            "--loader-initrd", ctx.artifact("initrd.img")]
    if name:
        args += ["--name", name]
    append = qemuboot.menu_append(append, menu_timeout)
    if append:
        args += ["--append", append]
    args += [Path(image) for image in images]
    qemuboot.run_script("mkcard", *args, build=ctx.build, cwd=ctx.workdir, log=ctx.tool_log)
    card_add(out, extra, log=ctx.tool_log)
    card_mkdir(out, extra_dirs, log=ctx.tool_log)
    return out


def card_add(card, files, *, log=None):
    """Copy `files` into the card's root directory under their base names (one mcopy per
    500 files, to keep the command line short).  Beware: mtools tries short-name tails
    (~1, ~2, ...) one directory scan at a time, so a thousand long names that share their
    first six characters take minutes (test_many_images.py uses 8.3 names)."""
    files = [str(path) for path in files]
    for start in range(0, len(files), 500):
        qemuboot.run_tool(["mcopy", "-i", f"{card}@@{qemuboot.PARTITION_OFFSET}", *files[start:start + 500], "::/"],
                          env=MTOOLS_ENV, log=log)
    if files:
        qemuboot.note(f"added {len(files)} file(s) to {Path(card).name}")


def card_mkdir(card, names, *, log=None):
    for name in names:
        qemuboot.run_tool(["mmd", "-i", f"{card}@@{qemuboot.PARTITION_OFFSET}", f"::/{name}"], env=MTOOLS_ENV, log=log)
        qemuboot.note(f"made directory {name} on {Path(card).name}")


def card_names(card):
    """Names in the card's root directory as vfat stores them (long names, UTF-8)."""
    listing = qemuboot.run_tool(["mdir", "-a", "-b", "-i", f"{card}@@{qemuboot.PARTITION_OFFSET}", "::/"],
                                env=MTOOLS_ENV)
    return [line.split("::/", 1)[-1].rstrip("/") for line in listing.splitlines() if line.strip()]


def cluster_size(card):
    """Bytes per cluster of the card's FAT, from its boot sector (BPB_BytsPerSec at byte 11,
    BPB_SecPerClus at byte 13)."""
    with open(card, "rb") as handle:
        handle.seek(qemuboot.PARTITION_OFFSET)
        sector = handle.read(512)
    bytes_per_sector, = struct.unpack_from("<H", sector, 11)
    return bytes_per_sector * sector[13]


def staging(ctx, subdir="cases"):
    """An empty directory for the case files (workdir/SUBDIR)."""
    path = ctx.workdir / subdir
    path.mkdir(parents=True, exist_ok=True)
    return path


def rejected_line(file, reason, next_file=None):
    """A regex for the whole console line "hopboot: FILE: REASON, trying NEXT" (or ", no
    more images"), `reason` a regex for everything between (unlike
    qemuboot.expect_rejected, which waits, this matches a whole line in check_lines)."""
    then = f"trying {re.escape(next_file)}" if next_file else "no more images"
    return rf"^hopboot: {re.escape(file)}: {reason}, {then}$"


def rejected_lines(cases, good):
    """Regexes for the lines of `cases` ((file, reason regex) pairs, newest first): each
    names the next case as the one it tries, the last one `good`."""
    return [rejected_line(file, reason, cases[i + 1][0] if i + 1 < len(cases) else good)
            for i, (file, reason) in enumerate(cases)]


def ignored_line(file, reason):
    """A regex for the line saying that `file`, named like an image, is no candidate and
    why (`reason` a regex)."""
    return rf"^hopboot: {re.escape(file)}: {reason}, ignored$"


def check_lines(q, patterns):
    """Each of `patterns` (regexes for whole lines, ^...$) matches a console line, in this
    order, with the kernel's own lines taken out first (see without_kernel_lines).  Run it
    once the boot is over: it looks at the console so far and does not wait."""
    text = without_kernel_lines(q.output)
    position = 0
    for i, pattern in enumerate(patterns):
        match = re.compile(pattern, re.MULTILINE).search(text, position)
        if not match:
            where = text[position:position + 300].split("\n", 2)[:2]
            q.fail(f"line {i + 1} of {len(patterns)} not seen (in this order): /{pattern}/\n"
                   f"the console goes on with: {where!r}")
        position = match.end()
    qemuboot.note(f"{q.name}: all {len(patterns)} lines seen, in order")


KERNEL_LINE = re.compile(r"\[ *\d+\.\d+\] [^\n]*\n")


def without_kernel_lines(text):
    """`text` without the kernel's own console lines ("[   12.345678] ..."), also those
    printed into the middle of a line of hopboot's (printk does not wait for a line's end:
    under load, e.g. an RCU stall warning, it can cut one of a thousand lines in two)."""
    return KERNEL_LINE.sub("", text)


def boot_past(ctx, card, cases, good, version):
    """Boot `card` to its end: each of `cases` ((file, reason regex) pairs, newest first)
    gets its rejection line, in order, then `good` (the image file, Demo-VERSION) boots
    and powers off, and none of the cases ever boots."""
    with ctx.boot(card) as q:
        qemuboot.expect_demo_boot(q, version)
        qemuboot.expect_poweroff(q)
        check_lines(q, [*rejected_lines(cases, good.name),
                        rf"^hopboot: booting {re.escape(good.name[:-4])} from card "])
        no_boot_of(q, [name for name, _ in cases])


def no_boot_of(q, files):
    """None of `files` was booted."""
    for file in files:
        label = file[:-4] if file.endswith(".img") else file
        q.expect_not(rf"hopboot: booting {re.escape(label)} ")


def write_bytes(path, data):
    path = Path(path)
    path.write_bytes(data)
    return path


def flip_bit(data, offset, bit=0):
    """`data` with bit `bit` of byte `offset` inverted."""
    changed = bytearray(data)
    changed[offset] ^= 1 << bit
    return bytes(changed)


def squashfs_bytes_used(image):
    """The size a squashfs says it has (superblock bytes_used, le64 at byte 40); mksquashfs
    pads the file beyond it to 4 KiB."""
    with open(image, "rb") as handle:
        head = handle.read(48)
    if head[:4] != b"hsqs":
        raise qemuboot.TestFailure(f"{image}: not a squashfs")
    return struct.unpack_from("<Q", head, 40)[0]
