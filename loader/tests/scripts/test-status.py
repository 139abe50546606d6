#!/usr/bin/env python3
"""`hopboot status` on card directories this test builds: images with good, wrong and
malformed checksums, a boot state written the way the loader writes it (hopboot/state.a,
CRC-32 and all), syslinux.cfg's keys, and the options that override them.  Checks the
text and --json output, the verdicts, which image would boot and what comes next, and
the exit status (0 an image would boot, 1 none, 2 usage or unreadable source).

Usage: test-status.py HOPBOOT_BINARY
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

HOPBOOT = sys.argv[1] if len(sys.argv) > 1 else "build/bin/hopboot"
# Two minisign public keys (the unit tests' fixtures), for --verify signed --keys.
KEYS_DIR = str(Path(__file__).resolve().parents[1] / "unit" / "data" / "minisign")
failures = []


def check(condition, what, evidence=""):
    if not condition:
        failures.append(f"{what}\n{evidence}")
        print(f"FAIL: {what}\n{evidence}", file=sys.stderr)


def image(directory, file, size=4096, sha1="good"):
    """A file of random bytes with its .sha1: 'good', 'wrong' (another digest), 'none'
    or 'malformed' (not sha1sum's format)."""
    data = os.urandom(size)
    (directory / file).write_bytes(data)
    digest = hashlib.sha1(data).hexdigest()
    if sha1 == "wrong":
        digest = hashlib.sha1(data + b"x").hexdigest()
    if sha1 == "malformed":
        (directory / f"{file}.sha1").write_text("not a checksum\n")
    elif sha1 != "none":
        (directory / f"{file}.sha1").write_text(f"{digest}  {file}\n")
    return digest


def state(directory, records, seq=7, slot="a"):
    """hopboot/state.SLOT as the loader writes it: records are (file, status, tries_left,
    sha1 hex); status 'trial' carries tries_left."""
    text = f"hopboot-state 1\nseq {seq}\n"
    for file, status, tries_left, digest in records:
        middle = f"trial {tries_left}" if status == "trial" else status
        text += f"image {file} {middle} sha1:{digest}\n"
    text += f"end {zlib.crc32(text.encode()):08x}\n"
    (directory / "hopboot").mkdir(exist_ok=True)
    (directory / "hopboot" / f"state.{slot}").write_bytes(text.encode().ljust(4096, b"\0"))


def syslinux(directory, append):
    (directory / "syslinux.cfg").write_text(
        "DEFAULT hopboot\nLABEL rescue\n  KERNEL bzImage\n  APPEND hopboot.rescue hopboot.name=Wrong\n"
        f"LABEL hopboot\n  KERNEL bzImage\n  INITRD initrd.img\n  APPEND console=ttyS0 {append}\n")


def status(*args):
    result = subprocess.run([HOPBOOT, "status", "--quiet", *map(str, args)], capture_output=True, text=True,
                            timeout=60)
    return result.returncode, result.stdout, result.stderr


def status_json(*args):
    rc, out, err = status("--json", *args)
    try:
        return rc, json.loads(out), err
    except json.JSONDecodeError as error:
        check(False, f"--json output is not JSON ({error})", out + err)
        return rc, {}, err


def verdicts(report):
    return [(i["file"], i["verdict"]) for i in report.get("images", [])]


def test_trial_card(root):
    """The loader's view of an AstLinux card mid-upgrade."""
    card = root / "trial"
    card.mkdir()
    syslinux(card, "hopboot.name=Ast hopboot.tries=2")
    image(card, "Ast-0.5.0.img", sha1="wrong")
    new = image(card, "Ast-0.4.10.img", size=3 << 20)
    old = image(card, "Ast-0.4.9.img")
    image(card, "Ast-0.4.8.img", sha1="none")
    image(card, "Ast-0.4.x.img")
    (card / "Other-9.0.0.img").write_bytes(b"not ours")
    state(card, [("Ast-0.4.9.img", "good", 0, old), ("Ast-0.4.10.img", "trial", 1, new)])

    rc, report, err = status_json(card)
    check(rc == 0, "an image would boot: exit 0", f"rc={rc} {err}")
    check(verdicts(report) == [("Ast-0.5.0.img", "rejected"), ("Ast-0.4.10.img", "trial"),
                               ("Ast-0.4.9.img", "good"), ("Ast-0.4.8.img", "rejected")],
          "verdicts newest first (0.4.10 > 0.4.9), name and tries from syslinux.cfg's default label",
          json.dumps(report, indent=1))
    by_file = {i["file"]: i for i in report.get("images", [])}
    check("checksum mismatch" in by_file.get("Ast-0.5.0.img", {}).get("reason", ""), "mismatch named",
          json.dumps(by_file.get("Ast-0.5.0.img")))
    check("no checksum file Ast-0.4.8.img.sha1" in by_file.get("Ast-0.4.8.img", {}).get("reason", ""),
          "missing .sha1 named", json.dumps(by_file.get("Ast-0.4.8.img")))
    check(by_file.get("Ast-0.4.10.img", {}).get("tries_left") == 1
          and by_file.get("Ast-0.4.10.img", {}).get("size") == 3 << 20
          and by_file.get("Ast-0.4.10.img", {}).get("version") == "0.4.10",
          "trial image: 1 try left, size and version", json.dumps(by_file.get("Ast-0.4.10.img")))
    check(report.get("name") == "Ast" and report.get("tries") == 2 and report.get("verify") == "sha1",
          "settings from syslinux.cfg", json.dumps(report))
    check(report.get("boot") == "Ast-0.4.10.img" and report.get("last_resort") is False,
          "would boot the trial image", json.dumps(report))
    check("trial boot 2 of 2" in report.get("why", ""), "why: its last trial boot", report.get("why", ""))
    check("within 1 more boot, it is marked failed and Ast-0.4.9.img boots" in report.get("next", ""),
          "next: the confirmed image", report.get("next", ""))
    check(report.get("ignored") == [{"file": "Ast-0.4.x.img",
                                     "reason": 'version "0.4.x" is not numbers separated by dots'}],
          "look-alike name ignored with its reason", json.dumps(report.get("ignored")))

    rc, text, err = status(card)
    check(rc == 0, "text: exit 0", err)
    for line in ("Ast-0.4.10.img  0.4.10", "trial     1 of 2 trial boots used, not confirmed yet",
                 "Ast-0.4.9.img   0.4.9", "good      the OS confirmed it (hopboot-bless)",
                 "would boot: Ast-0.4.10.img: ", "next: if the OS does not confirm it",
                 "Ast-0.4.x.img: ignored, version"):
        check(line in text, f"text output has {line!r}", text)

    # The options win over syslinux.cfg; the same bytes under trial boots off just verify.
    rc, report, err = status_json("--tries", "0", card)
    check(report.get("tries") == 0 and ("Ast-0.4.10.img", "verified") in verdicts(report),
          "--tries 0: verified, no trial", json.dumps(report))
    rc, report, err = status_json("--name", "Other", card)
    check(rc == 1 and verdicts(report) == [("Other-9.0.0.img", "rejected")] and report.get("boot") is None,
          "--name Other: its one image has no .sha1: exit 1, boot null", f"rc={rc} {json.dumps(report)}")
    check("the loader starts the rescue shell" in report.get("next", ""), "next: rescue shell", report.get("next"))


def test_failed_only(root):
    """Every image failed its trial boots: the newest of them boots as the last resort."""
    card = root / "failed"
    card.mkdir()
    a = image(card, "Demo-2.0.0.img")
    b = image(card, "Demo-1.0.0.img")
    state(card, [("Demo-2.0.0.img", "bad", 0, a), ("Demo-1.0.0.img", "bad", 0, b)])
    rc, report, err = status_json(card)
    check(rc == 0 and report.get("boot") == "Demo-2.0.0.img" and report.get("last_resort") is True,
          "last resort: the newest failed image, exit 0", f"rc={rc} {json.dumps(report)}")
    check(verdicts(report) == [("Demo-2.0.0.img", "failed"), ("Demo-1.0.0.img", "failed")], "both failed",
          json.dumps(report))
    check("hopboot-bless --retry Demo-2.0.0.img" in report["images"][0]["reason"], "how to retry it",
          report["images"][0]["reason"])
    # The same name with other bytes is a new image: the record is about the old digest.
    image(card, "Demo-2.0.0.img")
    rc, report, err = status_json(card)
    check(verdicts(report)[0] == ("Demo-2.0.0.img", "new") and report.get("last_resort") is False,
          "a new build under a failed name is new", json.dumps(report))


def test_damaged_state(root):
    """Both slots torn: the loader would start afresh, and status says so."""
    card = root / "damaged"
    card.mkdir()
    digest = image(card, "Demo-1.0.0.img")
    state(card, [("Demo-1.0.0.img", "good", 0, digest)])
    raw = bytearray((card / "hopboot" / "state.a").read_bytes())
    raw[20] ^= 1
    (card / "hopboot" / "state.a").write_bytes(bytes(raw))
    (card / "hopboot" / "state.b").write_bytes(bytes(raw))
    rc, report, err = status_json(card)
    check(rc == 0 and verdicts(report) == [("Demo-1.0.0.img", "new")], "torn state: image is new",
          json.dumps(report))
    check("damaged in both copies" in err, "warning about the damaged state", err)


def test_errors(root):
    empty = root / "empty"
    empty.mkdir()
    rc, text, err = status(empty)
    check(rc == 1 and "no Demo-X.Y.Z.img image" in text and "would boot: nothing" in text,
          "empty card: exit 1", f"rc={rc}\n{text}{err}")
    rc, text, err = status(root / "missing")
    check(rc == 2 and "cannot open the directory" in err, "missing dir: exit 2, one line", f"rc={rc} {err}")
    rc, text, err = status("--tries", "many", empty)
    check(rc == 2 and "--tries=many: expected a number of trial boots (0-100)" in err, "bad --tries: exit 2",
          f"rc={rc} {err}")
    rc, text, err = status("--verify", "signed", empty)
    check(rc == 2 and "--verify signed needs --keys DIR" in err, "signed without keys: exit 2", f"rc={rc} {err}")
    rc, text, err = status("--bogus")
    check(rc == 2 and "Usage: hopboot status" in err, "unknown option: usage, exit 2", f"rc={rc} {err}")
    rc, text, err = status("http://127.0.0.1:9/${mac}/")
    check(rc == 2 and "expand the ${...} templates first" in err, "template URL refused", f"rc={rc} {err}")
    # Under sha256 a server is used with its SHA256SUMS index: here it is down.
    rc, text, err = status("--verify", "sha256", "http://127.0.0.1:9/")
    check(rc == 2 and err.startswith("hopboot: http://127.0.0.1:9/: cannot fetch its SHA256SUMS index ("),
          "--verify sha256 on a dead server: its SHA256SUMS tried, exit 2, one line", f"rc={rc} {err}")
    # Under signed a server is used (each image's .minisig is checked): here it is down.
    rc, text, err = status("--verify", "signed", "--keys", KEYS_DIR, "http://127.0.0.1:9/")
    check(rc == 2 and err.startswith("hopboot: http://127.0.0.1:9/: ") and "would not use it" not in err,
          "--verify signed on a dead server: tried, exit 2, one line", f"rc={rc} {err}")
    rc, text, err = status("http://127.0.0.1:9/")
    check(rc == 2 and err.startswith("hopboot: http://127.0.0.1:9/: "), "dead server: exit 2, one line",
          f"rc={rc} {err}")


def test_folder_name(root):
    """A folder without syslinux.cfg: the one name its images share, or a question."""
    folder = root / "downloads"
    folder.mkdir()
    image(folder, "St-7.0.9.img")
    image(folder, "St-7.0.10.img")
    (folder / "notes.txt").write_text("not an image\n")
    rc, text, err = status(folder)
    check(rc == 0 and text.startswith(f"{folder}: St images,") and "would boot: St-7.0.10.img" in text,
          "folder of St-7.0.*.img, no syslinux.cfg: its images' name is used", f"rc={rc}\n{text}{err}")
    rc, text, err = status("--name", "Demo", folder)
    check(rc == 1 and "no Demo-X.Y.Z.img image" in text, "--name still decides", f"rc={rc}\n{text}{err}")
    (folder / "boot-images").mkdir()
    image(folder / "boot-images", "Other-1.0.img")
    rc, text, err = status(folder)
    check(rc == 2 and text == "" and err == f"hopboot: {folder}: no syslinux.cfg names the image, and its images "
          "have several names (St, Other): choose one with --name\n",
          "two names in a folder: exit 2, both named", f"rc={rc}\n{text}{err}")
    rc, text, err = status("--name", "Other", folder)
    check(rc == 0 and "would boot: boot-images/Other-1.0.img" in text, "--name picks one of them",
          f"rc={rc}\n{text}{err}")


def main():
    with tempfile.TemporaryDirectory(prefix="hopboot-status-") as tmp:
        root = Path(tmp)
        for test in (test_trial_card, test_failed_only, test_damaged_state, test_errors, test_folder_name):
            test(root)
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
