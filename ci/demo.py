#!/usr/bin/env python3
"""ci/demo's two guided modes (ci/demo runs them after building; see ci/demo --help).

tour  Boots the demo card (images/mkdemocard) in one QEMU that reboots in place, reads
      the three recipes the demo OS prints at its prompt, types each command line exactly
      as printed, and reports what the loader decided at each step:
        start     Demo-1.1.0, the newest of the card's two images, boots
        recipe 1  fall back: Demo-1.1.0 deleted, Demo-1.0.0 boots
        recipe 2  upgrade: Demo-1.2.0 copied, boots on trial, its OS confirms it
        recipe 3  roll back: Demo-1.3.0 copied, its 3 trial boots end unconfirmed, it is
                  marked bad and Demo-1.2.0 boots again
      then powers the demo off.  Exit status 0 only when every step showed its lines.
net   Serves Demo-1.1.0 and Demo-1.2.0 (+ SHA1SUMS) with nginx on 127.0.0.1 and boots a
      card whose syslinux.cfg says hopboot.src=http://10.0.2.2:PORT/,card (Demo-1.0.0 on
      the card is the fallback): Demo-1.2.0 is fetched, checked and booted.  --batch:
      the OS powers off by itself and the exit status says whether it booted from HTTP.

QEMU's console lines and the harness's own notes go to WORKDIR/*.log; the terminal gets
the lines that matter.  WORKDIR is removed after a successful run.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True
REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "loader/tests/qemu"), str(REPO / "loader/tests/net")]
import qemuboot  # noqa: E402
import servers  # noqa: E402
from qemuboot import TestFailure  # noqa: E402

PROMPT = r"^demo# "     # at a line start: the greeting mentions "the demo# prompt" too
# What the loader and the demo print that tells the story; the rest of the console (kernel
# messages, the demo's cmdline/root lines, the recipes themselves) stays in the log.
MATTERS = re.compile(r"^(hopboot: (?!  )|hopboot-bless: |hopboot-stage2: root is |"
                     r"HOPBOOT-DEMO (name|broken))")
# The demo card's kernel arguments: the kernels stay quiet, hopboot's lines still show.
QUIET = "quiet hopboot.loglevel=6"
TRIALS = 3      # hopboot.tries= default


def say(text=""):
    print(text, flush=True)


class Story:
    """Prints the console lines that matter, once each, as a step reaches them."""

    def __init__(self, q):
        self.q = q
        self.printed = 0

    def show(self):
        text = self.q.output
        end = text.rfind("\n") + 1
        for line in text[self.printed:end].splitlines():
            if MATTERS.match(line):
                say(f"    | {line}")
        self.printed = max(self.printed, end)

    def expect(self, regex, timeout=qemuboot.LOADER_TIMEOUT):
        match = self.q.expect(regex, timeout)
        self.show()
        return match


def recipes(text):
    """The recipe commands the demo OS printed (/etc/motd): the lines indented by six spaces."""
    start = text.rfind("hopboot demo: three things to try")
    if start < 0:
        raise TestFailure("the demo OS printed no recipes (no 'hopboot demo: three things to try')")
    commands = [line[6:] for line in text[start:].splitlines() if re.match(r"^ {6}\S", line)]
    if len(commands) != 3:
        raise TestFailure(f"expected 3 recipe commands in the demo's greeting, found {len(commands)}: {commands}")
    return commands


def expect_os(story, version, *, trial=None):
    """Demo-VERSION boots from the card (on trial boot TRIAL when given) and its OS says so."""
    image = f"Demo-{version}.img"
    if trial is not None:
        story.expect(rf"hopboot: {re.escape(image)}: trial boot {trial} of {TRIALS},")
    story.expect(rf"hopboot: booting Demo-{re.escape(version)} from card\b")
    story.expect(rf"HOPBOOT-DEMO name=Demo version={re.escape(version)}\n", qemuboot.DEMO_TIMEOUT)


def expect_confirmed(story, version, *older):
    """The card's candidates are Demo-VERSION then OLDER; VERSION boots on its first trial
    boot, its OS confirms it, and the demo's prompt follows."""
    names = " ".join(re.escape(f"Demo-{v}.img") for v in (version, *older))
    story.expect(rf"hopboot: candidates: {names}\n")
    expect_os(story, version, trial=1)
    story.expect(rf"hopboot-bless: {re.escape(f'Demo-{version}.img')} confirmed", qemuboot.DEMO_TIMEOUT)
    story.expect(PROMPT, qemuboot.DEMO_TIMEOUT)


def tour(ctx):
    card = ctx.workdir / "card.img"
    qemuboot.run_script("mkdemocard", "-o", card, "--append", f"hopboot.timeout=0 {QUIET}",
                        build=ctx.build, log=ctx.tool_log)
    with ctx.boot(card, log="tour", reboot=True, hard_timeout=900) as q:
        story = Story(q)
        say("start: a card with Demo-1.0.0 and Demo-1.1.0; the loader boots the newest")
        expect_confirmed(story, "1.1.0", "1.0.0")
        fall_back, upgrade, roll_back = recipes(q.output)

        say(f"recipe 1, fall back: demo# {fall_back}")
        q.send(fall_back)
        expect_confirmed(story, "1.0.0")

        say(f"recipe 2, upgrade: demo# {upgrade}")
        q.send(upgrade)
        expect_confirmed(story, "1.2.0", "1.0.0")

        say(f"recipe 3, roll back: demo# {roll_back}")
        q.send(roll_back)
        for attempt in range(1, TRIALS + 1):
            expect_os(story, "1.3.0", trial=attempt)
            story.expect(r"HOPBOOT-DEMO broken: rebooting without confirming this boot", qemuboot.DEMO_TIMEOUT)
        story.expect(rf"hopboot: Demo-1\.3\.0\.img: {TRIALS} trial boots ended without the OS confirming it "
                     r"\(hopboot-bless\), marked bad, trying Demo-1\.2\.0\.img\n")
        expect_os(story, "1.2.0")
        story.expect(PROMPT, qemuboot.DEMO_TIMEOUT)
        q.expect_not(r"Kernel panic")

        say("end: poweroff")
        q.send("poweroff")
        qemuboot.expect_clean_exit(q)
    say("ci/demo --tour: OK: deleting Demo-1.1.0 fell back to 1.0.0, copying Demo-1.2.0 upgraded "
        f"to it, and Demo-1.3.0 was rolled back to 1.2.0 after {TRIALS} unconfirmed trial boots")


def serve(ctx):
    """A directory with Demo-1.1.0 and Demo-1.2.0 (+ .sha1) and SHA1SUMS, for nginx."""
    www = ctx.workdir / "www"
    www.mkdir()
    for version in ("1.1.0", "1.2.0"):
        for suffix in ("", ".sha1"):
            shutil.copyfile(ctx.artifact(f"demo/Demo-{version}.img{suffix}"), www / f"Demo-{version}.img{suffix}")
    qemuboot.run_script("mkindex", www, build=ctx.build, log=ctx.tool_log)
    return www


def net(ctx, batch):
    www = serve(ctx)
    with servers.Nginx(www, ctx.workdir / "nginx", lifetime=3600) as http:
        source = f"hopboot.src={http.url},card"
        append = f"{source} {QUIET}" + (" hopboot.timeout=0 demo.poweroff" if batch else "")
        card = ctx.workdir / "card.img"
        qemuboot.run_script("mkcard", "-o", card, "--name", "Demo", "--append", append,
                            ctx.artifact("demo/Demo-1.0.0.img"), build=ctx.build, log=ctx.tool_log)
        say(f"ci/demo --net: nginx serves Demo-1.1.0 and Demo-1.2.0 at {http.host_url} "
            f"(the guest's {http.url}); the card says {source}")
        if not batch:
            say("ci/demo --net: booting (leave QEMU with Ctrl-A X)")
            return subprocess.call([qemuboot.QEMU, "-accel", "tcg", "-m", "1024", "-display", "none",
                                    *qemuboot.NET_USER, "-serial", "mon:stdio",
                                    "-drive", f"file={card},format=raw,if=ide"])
        with ctx.boot(card, log="net", net=True) as q:
            story = Story(q)
            story.expect(rf"hopboot: candidates at {re.escape(http.url)}: Demo-1\.2\.0\.img Demo-1\.1\.0\.img\n")
            story.expect(rf"hopboot: booting Demo-1\.2\.0 from {re.escape(http.url)}Demo-1\.2\.0\.img\b")
            story.expect(r"HOPBOOT-DEMO name=Demo version=1\.2\.0\n", qemuboot.DEMO_TIMEOUT)
            qemuboot.expect_poweroff(q)
        if "GET /Demo-1.2.0.img " not in http.log.read_text():
            raise TestFailure(f"nginx's log shows no GET of Demo-1.2.0.img: {http.log}")
    say("ci/demo --net: OK: Demo-1.2.0 was fetched over HTTP, checked and booted")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("tour", "net"))
    parser.add_argument("--build", type=Path, required=True, help="the CMake build directory")
    parser.add_argument("--batch", action="store_true", help="net: no terminal; power off and check")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix=f"hopboot-demo-{args.mode}-"))
    notes = open(workdir / "notes.log", "w")
    qemuboot.note = lambda message: print(f"[{time.monotonic():.1f}] {message}", file=notes, flush=True)
    ctx = qemuboot.Context(args.build, workdir, f"demo-{args.mode}")
    code = 1
    try:
        if args.mode == "tour":
            tour(ctx)
            code = 0
        else:
            code = net(ctx, args.batch)
    except TestFailure as failure:
        say(f"ci/demo --{args.mode}: FAILED: {failure}")
    except KeyboardInterrupt:
        say(f"ci/demo --{args.mode}: interrupted")
    finally:
        qemuboot._kill_all_live()
    if code == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        say(f"ci/demo --{args.mode}: console logs and notes kept in {workdir}")
    return code


if __name__ == "__main__":
    sys.exit(main())
