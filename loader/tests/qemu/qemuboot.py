"""Harness for hopboot's QEMU acceptance tests (stdlib only).

A test builds a card image with images/mkcard, boots it in QEMU (TCG, SeaBIOS,
syslinux, hopboot, kexec, the demo OS) and watches the serial console:

    import qemuboot

    def main(ctx):
        images = ctx.stage_demo("1.0.0", "1.1.0")
        card = ctx.make_card(images.values())
        with ctx.boot(card) as q:
            q.expect(r"hopboot: candidates: Demo-1\\.1\\.0\\.img Demo-1\\.0\\.0\\.img")
            qemuboot.expect_demo_boot(q, "1.1.0")    # "booting" line + HOPBOOT-DEMO lines
            qemuboot.expect_poweroff(q)

    if __name__ == "__main__":
        sys.exit(qemuboot.run(main, __doc__))

Console matching: every byte QEMU writes to the serial port goes unchanged to
the boot's log file (and to stderr when HOPBOOT_TEST_VERBOSE is set).  Regexes
are matched against the same text decoded as UTF-8 with carriage returns
removed, in re.MULTILINE mode, so `^` and `$` work per line.  expect() moves a
cursor: each match must come after the previous one, which is how a test says
"this line, then that line".  assert_seen() and expect_not() look at the whole
console so far.

Exit codes of a test: 0 pass, 1 fail, 77 skip only when qemu-system-x86_64 is
not installed.  A missing build artifact or host tool is a failure.
"""

import argparse
import atexit
import bisect
import codecs
import ctypes
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
IMAGES_DIR = REPO_ROOT / "images"

QEMU = "qemu-system-x86_64"
# Where a test's card sits.  "ide": an IDE disk on the PIIX controller, as a CompactFlash
# card in true-IDE mode (ata_piix).  "scsi": a SCSI disk on virtio-scsi, as a card in a
# USB or SCSI reader; Linux calls it /dev/sda too.  The default is "scsi" because SeaBIOS
# reads an IDE disk by PIO, one emulated I/O exit per word under TCG: loading the loader
# kernel and initramfs takes 4 s from IDE against 1 s from virtio-scsi, a quarter of every
# boot (doc/design-notes.md, "Test time").  The IDE path stays tested: the small loader
# kernel's tests (loader/tests/kernel), the tests with a second IDE disk and qemu.newest
# put the card on IDE, and so does ci/demo.
CARD_BUSES = ("scsi", "ide")
CARD_BUS = "scsi"
PARTITION_OFFSET = 1048576          # the card's only partition starts at 1 MiB
DEFAULT_HARD_TIMEOUT = 180          # seconds one QEMU run may live, whatever happens
BOOT_HARD_TIMEOUT = 240             # what card boots use: loader + kexec + demo under TCG
LOADER_TIMEOUT = 150                # power-on to a loader decision line
DEMO_TIMEOUT = 150                  # loader "booting" line to the demo's lines
EXIT_TIMEOUT = 90                   # "HOPBOOT-DEMO poweroff" or `poweroff -f` to QEMU exit
TAIL_LINES = 40

# Console lines after which waiting longer for anything else is pointless:
# expect() fails at once when one of these shows up instead of what it waits for.
GIVE_UP_ON = (r"Kernel panic",
              r"hopboot: no boot card found",
              r"hopboot: no bootable image on the card, starting rescue shell")

EXIT_PASS, EXIT_FAIL, EXIT_SKIP = 0, 1, 77

NET_NONE = ("-net", "none")
NET_USER = ("-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0")

DEMO_NAME = "Demo"


class TestFailure(Exception):
    """An expectation about a boot, a card or a tool did not hold."""


class Interrupted(BaseException):
    """The test process got SIGINT, SIGTERM or SIGHUP."""

    def __init__(self, signum):
        super().__init__(f"interrupted by signal {signum}")
        self.signum = signum


def verbose():
    return bool(os.environ.get("HOPBOOT_TEST_VERBOSE"))


_START = time.monotonic()


def note(message):
    """Progress line on stdout (ctest shows it with --output-on-failure / -V)."""
    print(f"[{time.monotonic() - _START:6.1f}s] {message}", flush=True)


def _shorten(text, limit=160):
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit - 3] + "..."


# --- QEMU ------------------------------------------------------------------

_live_qemus = set()
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A terminal control sequence (CSI: ESC [ parameters letter), such as "erase line".
_CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# What may end a chunk unfinished: part of a CSI, or of a kernel line's time stamp.
_UNFINISHED = re.compile(r"(\x1b(\[[0-9;?]*)?|\[[ \d.]*)$")
# Where a kernel console line ("[   12.345678] ...") starts inside another line: printk
# does not wait for the end of a line user space is writing.
_MIDLINE_KERNEL = re.compile(r"(?<=[^\n])(?=\[ *\d+\.\d+\] )")

try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def _die_with_parent():
    # Runs in the child between fork and exec: QEMU gets SIGKILL when the test
    # process dies, even by SIGKILL (ctest's timeout), so no guest outlives it.
    if _prctl is not None:
        _prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG


def _kill_all_live():
    for qemu in list(_live_qemus):
        qemu.kill()


atexit.register(_kill_all_live)


class Qemu:
    """One QEMU run with its serial console on a pipe.

    Use as a context manager: QEMU starts on enter and is killed on exit,
    also when the block raises.  Either `card` (booted through SeaBIOS and
    syslinux from a disk on the bus `card_bus`, see CARD_BUSES) or `kernel`
    (+ `initrd`, `append`) is given.
    After `hard_timeout` seconds QEMU is killed whatever the test is doing.
    expect() gives up early when a `give_up_on` regex appears after its
    cursor before what it waits for.  net=True gives the guest QEMU user
    networking on a virtio-net NIC (host 127.0.0.1 is 10.0.2.2 to the guest)
    instead of no network.  A guest reboot ends QEMU (-no-reboot), so that each
    boot of a test is its own run; reboot=True lets the machine reboot in place
    (one run, one console, several boots), as the demo tour does.
    """

    def __init__(self, log_path, *, card=None, kernel=None, initrd=None, append=None,
                 hard_timeout=DEFAULT_HARD_TIMEOUT, memory=1024, extra_args=(), name=None,
                 give_up_on=(), net=False, reboot=False, card_bus=CARD_BUS):
        if (card is None) == (kernel is None):
            raise ValueError("give exactly one of card= and kernel=")
        if card_bus not in CARD_BUSES:
            raise ValueError(f"card_bus must be one of {', '.join(CARD_BUSES)}")
        self.card_bus = card_bus
        self.log_path = Path(log_path)
        self.stderr_path = self.log_path.with_suffix(".qemu-stderr")
        self.name = name or self.log_path.stem
        self.card = card
        self.kernel = kernel
        self.initrd = initrd
        self.append = append
        self.hard_timeout = hard_timeout
        self.memory = memory
        self.extra_args = list(extra_args)
        self.net = net
        self.reboot = reboot
        self.give_up_on = [_compile(regex) for regex in give_up_on]
        self._proc = None
        self._log = None
        self._stderr = None
        self._reader = None
        self._watchdog = None
        self._cond = threading.Condition()
        self._text = ""
        self._carry = ""  # see _terminal_text
        self._after_cr = False
        self._arrivals = []     # (len(self._text) after a chunk, time.monotonic() it came)
        self._eof = False
        self._cursor = 0
        self._started = None
        self._deadline = None
        self.hard_timed_out = False

    def command(self):
        argv = [QEMU, "-accel", "tcg", "-m", str(self.memory),
                "-display", "none", *(() if self.reboot else ("-no-reboot",)),
                *(NET_USER if self.net else NET_NONE),
                "-monitor", "none",
                "-chardev", "stdio,id=s0,signal=off", "-serial", "chardev:s0"]
        if self.card is not None:
            argv += card_drive(self.card, self.card_bus)
        else:
            argv += ["-kernel", str(self.kernel)]
            if self.initrd is not None:
                argv += ["-initrd", str(self.initrd)]
            if self.append is not None:
                argv += ["-append", self.append]
        return argv + self.extra_args

    # life cycle

    def start(self):
        if shutil.which(QEMU) is None:
            raise TestFailure(f"{QEMU} not found in PATH")
        argv = self.command()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")
        self._stderr = open(self.stderr_path, "wb")
        note(f"{self.name}: starting (hard limit {self.hard_timeout} s, log {self.log_path})")
        note(f"{self.name}: {' '.join(argv)}")
        self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=self._stderr, start_new_session=True,
                                      preexec_fn=_die_with_parent)
        _live_qemus.add(self)
        self._started = time.monotonic()
        self._deadline = self._started + self.hard_timeout
        self._reader = threading.Thread(target=self._pump, name=f"{self.name}-console", daemon=True)
        self._reader.start()
        self._watchdog = threading.Timer(self.hard_timeout, self._hard_kill)
        self._watchdog.daemon = True
        self._watchdog.start()
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        self.kill()
        return False

    @property
    def running(self):
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self):
        return None if self._proc is None else self._proc.poll()

    def elapsed(self):
        return 0.0 if self._started is None else time.monotonic() - self._started

    def kill(self):
        """Kill QEMU (if still running), drain the console, close files.  Idempotent."""
        if self._proc is None:
            return
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self._proc.poll() is None:
            note(f"{self.name}: killing QEMU (pid {self._proc.pid})")
            self._proc.kill()
        self._proc.wait()
        self._finish()

    def _finish(self):
        if self._reader is not None:
            self._reader.join(timeout=10)
        for stream in (self._proc.stdin, self._proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        for handle in (self._log, self._stderr):
            if handle is not None and not handle.closed:
                handle.close()
        _live_qemus.discard(self)

    def _hard_kill(self):
        if self._proc is not None and self._proc.poll() is None:
            self.hard_timed_out = True
            self._proc.kill()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        with self._cond:
            self._cond.notify_all()

    def _pump(self):
        # Copy every console byte to the log before matching sees it.
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        fd = self._proc.stdout.fileno()
        echo = sys.stderr.buffer if verbose() else None
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if chunk:
                self._log.write(chunk)
                self._log.flush()
                if echo is not None:
                    echo.write(chunk)
                    echo.flush()
            text = self._terminal_text(decoder.decode(chunk, final=not chunk), final=not chunk)
            with self._cond:
                self._text += text
                self._arrivals.append((len(self._text), time.monotonic()))
                if not chunk:
                    self._eof = True
                self._cond.notify_all()
            if not chunk:
                return

    def _terminal_text(self, text, final):
        # The console as lines: "\r\n" ends a line; a lone "\r" (hopboot's updating
        # status line returning to the start) ends one too, so that each update and the
        # line that replaces it are lines of their own; control sequences are dropped.
        # A chunk may end between CR and LF: the line ends at the CR already (a match
        # must not wait for the next chunk, which may come seconds later), and an LF
        # opening the next chunk is then dropped.  Only a control sequence cut in two
        # waits for its rest.
        if self._after_cr and text.startswith("\n"):
            text = text[1:]
        text = self._carry + text
        self._carry = ""
        unfinished = None if final else _UNFINISHED.search(text)
        if unfinished:
            self._carry = unfinished.group(0)
            text = text[:unfinished.start()]
        self._after_cr = text.endswith("\r")
        return terminal_view(text, line_start=not self._text or self._text.endswith("\n"))

    # console

    @property
    def output(self):
        """The console so far (UTF-8; status-line updates as lines, see _terminal_text)."""
        with self._cond:
            return self._text

    def arrival(self, position):
        """When (time.monotonic()) the console text up to `position` (e.g. a match's end) came in."""
        with self._cond:
            index = bisect.bisect_left(self._arrivals, (position, float("-inf")))
            if index == len(self._arrivals):
                raise ValueError(f"console position {position} not received yet")
            return self._arrivals[index][1]

    def tail(self, lines=TAIL_LINES):
        """The last console lines, control characters shown as ^X (the log has them raw)."""
        text = "\n".join(self.output.splitlines()[-lines:])
        return _CONTROL.sub(lambda m: "^" + chr(ord(m.group(0)) ^ 0x40), text)

    def _why_stopped(self):
        if self.hard_timed_out:
            return f"hard timeout of {self.hard_timeout} s reached, QEMU killed"
        rc = self._proc.poll()
        if rc is None:
            try:
                rc = self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                return "console closed but QEMU still runs"
        return f"QEMU exited with status {rc}"

    def fail(self, message):
        """Raise TestFailure with `message`, the console tail and QEMU's stderr."""
        parts = [f"{self.name}: {message}",
                 f"--- last {TAIL_LINES} console lines (full log: {self.log_path}) ---",
                 self.tail(), "--- end of console ---"]
        try:
            qemu_stderr = self.stderr_path.read_text(errors="replace").strip()
        except OSError:
            qemu_stderr = ""
        if qemu_stderr:
            parts += ["--- QEMU stderr ---", qemu_stderr]
        raise TestFailure("\n".join(parts))

    def expect(self, regex, timeout=None):
        """Wait for `regex` after the previous match; return the re.Match.

        Gives up after `timeout` seconds (None: until the hard limit), when
        QEMU exits or is killed, or when a give_up_on line shows up first,
        raising TestFailure that names the regex and shows the console tail.
        """
        pattern = _compile(regex)
        now = time.monotonic()
        deadline = self._deadline if timeout is None else min(self._deadline, now + timeout)
        with self._cond:
            while True:
                match = pattern.search(self._text, self._cursor)
                if match:
                    self._cursor = match.end()
                    break
                if self._eof:
                    reason = self._why_stopped()
                    break
                reason = self._gave_up()
                if reason:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    reason = None
                    break
                self._cond.wait(min(remaining, 1.0))
        if match:
            note(f"{self.name} +{self.elapsed():.1f}s: seen {_shorten(match.group(0))!r}")
            return match
        if reason and reason.startswith("saw "):
            time.sleep(2)   # let the lines after it reach the log, for the tail below
        if reason is None and deadline == self._deadline:
            self._hard_kill()
            reason = f"hard timeout of {self.hard_timeout} s reached, QEMU killed"
        elif reason is None:
            reason = f"not seen within {timeout} s"
        self.fail(f"expected /{pattern.pattern}/: {reason}")

    def _gave_up(self):
        # Called with self._cond held.
        for pattern in self.give_up_on:
            found = pattern.search(self._text, self._cursor)
            if found:
                return f"saw /{pattern.pattern}/ first: {_line_of(self._text, found)!r}"
        return None

    def assert_seen(self, regex):
        """Return the first match of `regex` anywhere in the console so far, or fail."""
        pattern = _compile(regex)
        match = pattern.search(self.output)
        if not match:
            self.fail(f"expected /{pattern.pattern}/ somewhere in the console, not seen")
        note(f"{self.name} +{self.elapsed():.1f}s: seen earlier {_shorten(match.group(0))!r}")
        return match

    def expect_not(self, regex):
        """Fail if `regex` occurs anywhere in the console so far."""
        pattern = _compile(regex)
        text = self.output
        match = pattern.search(text)
        if match:
            self.fail(f"/{pattern.pattern}/ must not appear, but it did: {_line_of(text, match)!r}")

    assert_not_seen = expect_not

    def send_keys(self, keys):
        """Type `keys` (a str; "\x1b[B" is the down arrow) on the serial console."""
        if not self.running:
            self.fail(f"cannot send {keys!r}: {self._why_stopped()}")
        note(f"{self.name} +{self.elapsed():.1f}s: keys {keys!r}")
        try:
            self._proc.stdin.write(keys.encode())
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            self.fail(f"cannot send {keys!r}: {error}")

    def send(self, line):
        """Type `line` and Enter on the serial console."""
        if not self.running:
            self.fail(f"cannot send {line!r}: {self._why_stopped()}")
        note(f"{self.name} +{self.elapsed():.1f}s: send {line!r}")
        try:
            self._proc.stdin.write(line.encode() + b"\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            self.fail(f"cannot send {line!r}: {error}")

    def wait_exit(self, timeout=EXIT_TIMEOUT):
        """Wait for QEMU to exit by itself; return its status, or fail (and kill it)."""
        remaining = max(0.0, min(timeout, self._deadline - time.monotonic()))
        try:
            rc = self._proc.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
            self._finish()
            self.fail(f"QEMU did not exit within {timeout} s, killed it")
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._finish()
        if self.hard_timed_out:
            self.fail(f"QEMU did not exit: hard timeout of {self.hard_timeout} s reached, QEMU killed")
        note(f"{self.name} +{self.elapsed():.1f}s: QEMU exited with status {rc}")
        return rc


def _line_of(text, match):
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    return text[start:end if end >= 0 else len(text)]


def _compile(regex):
    return regex if isinstance(regex, re.Pattern) else re.compile(regex, re.MULTILINE)


# --- host tools, scripts and files -------------------------------------------

def terminal_view(text, line_start=True):
    """Console bytes (decoded) as the harness matches them: CR LF and a lone CR (a status
    line returning to its start) end a line, control sequences are dropped, and a kernel
    line printed into the middle of another starts a line of its own (the line it cut
    then ends where it was cut).  line_start: whether TEXT begins a line."""
    text = ("" if line_start else "x") + _CSI.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return _MIDLINE_KERNEL.sub("\n", text)[0 if line_start else 1:]


def menu_append(append, menu_timeout):
    """`append` with hopboot.timeout=MENU_TIMEOUT first (None: left to the default)."""
    words = [] if menu_timeout is None else [f"hopboot.timeout={menu_timeout}"]
    return " ".join(words + ([append] if append else []))


def run_tool(argv, *, cwd=None, env=None, log=None):
    """Run a host command; return its stdout (text) or raise TestFailure naming it."""
    argv = [str(arg) for arg in argv]
    if shutil.which(argv[0]) is None and not Path(argv[0]).is_file():
        raise TestFailure(f"{argv[0]}: not found (install it on the test host)")
    full_env = dict(os.environ, **(env or {}))
    result = subprocess.run(argv, cwd=cwd, env=full_env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout = result.stdout.decode(errors="replace")
    stderr = result.stderr.decode(errors="replace")
    if log is not None:
        with open(log, "a") as handle:
            handle.write(f"$ {' '.join(argv)}\n{stdout}{stderr}(exit {result.returncode})\n")
    if result.returncode != 0:
        raise TestFailure(f"{' '.join(argv)} failed with status {result.returncode}\n{stderr}{stdout}".rstrip())
    return stdout


def run_script(script, *args, build, cwd=None, log=None):
    """Run images/<script> from the repo root with HOPBOOT_BUILD=build."""
    path = IMAGES_DIR / script
    if not path.is_file():
        raise TestFailure(f"{path}: missing (images/ scripts are part of the repo)")
    note(f"run images/{script} {' '.join(str(arg) for arg in args)}")
    return run_tool([path, *args], cwd=cwd, env={"HOPBOOT_BUILD": str(build)}, log=log)


def card_extract(card, inner_path, out):
    """Copy ::inner_path out of the card's vfat partition to `out` (mcopy)."""
    out = Path(out)
    if out.exists():
        out.unlink()
    run_tool(["mcopy", "-i", f"{card}@@{PARTITION_OFFSET}", f"::{inner_path}", out],
             env={"MTOOLS_SKIP_CHECK": "1"})
    return out


def card_list(card):
    """Names of the files in the card's root directory."""
    listing = run_tool(["mdir", "-a", "-b", "-i", f"{card}@@{PARTITION_OFFSET}", "::/"],
                       env={"MTOOLS_SKIP_CHECK": "1"})
    return [line.rsplit("/", 1)[-1] for line in listing.split()]


def sha1_of(path):
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha1_path(image):
    return Path(f"{image}.sha1")


def write_sha1(image):
    """Write IMAGE.sha1 the way mkimg does: `sha1sum NAME` inside the image's directory."""
    image = Path(image)
    line = run_tool(["sha1sum", image.name], cwd=image.parent)
    sha1_path(image).write_text(line)
    return sha1_path(image)


def corrupt_middle(image, count=4096):
    """Invert `count` bytes in the middle of `image` (its .sha1 stays as it was)."""
    image = Path(image)
    size = image.stat().st_size
    offset = max(0, size // 2 - count // 2)
    with open(image, "r+b") as handle:
        handle.seek(offset)
        data = handle.read(count)
        handle.seek(offset)
        handle.write(bytes(byte ^ 0xFF for byte in data))
    note(f"corrupted {image.name}: inverted {len(data)} bytes at offset {offset}")


def truncate_half(image):
    image = Path(image)
    size = image.stat().st_size
    os.truncate(image, size // 2)
    note(f"truncated {image.name} from {size} to {size // 2} bytes")


def make_kernelless_image(image, workdir):
    """A valid squashfs root with /boot but no kernel, plus its .sha1."""
    image = Path(image)
    root = Path(workdir) / f"{image.stem}-root"
    (root / "boot").mkdir(parents=True, exist_ok=True)
    (root / "etc").mkdir(exist_ok=True)
    (root / "etc" / "os-release").write_text("NAME=hopboot-test-without-kernel\n")
    run_tool(["mksquashfs", root, image, "-noappend", "-all-root", "-quiet", "-no-progress"])
    write_sha1(image)
    note(f"made {image.name}: squashfs without a kernel")
    return image


def make_random_image(image, size=4 << 20):
    """`size` random bytes (no filesystem) with a correct .sha1."""
    image = Path(image)
    image.write_bytes(os.urandom(size))
    write_sha1(image)
    note(f"made {image.name}: {size} random bytes")
    return image


def squashfs_list(image):
    """Paths inside a squashfs image (unsquashfs -l), without the squashfs-root prefix."""
    listing = run_tool(["unsquashfs", "-l", "-d", "", image])
    return [line.strip() for line in listing.splitlines() if line.startswith("/")]


# --- assertions shared by the tests ---------------------------------------------

def _v(text):
    return re.escape(text)


def expect_candidates(q, *images, timeout=LOADER_TIMEOUT):
    return q.expect(rf"hopboot: candidates: {' '.join(_v(i) for i in images)}\s", timeout)


def expect_rejected(q, image, reason, next_image=None, timeout=LOADER_TIMEOUT):
    """hopboot says why `image` does not boot and which one it tries next.

    `reason` is a regex for the words after "IMAGE: " (e.g. "checksum mismatch").
    With next_image None the line must end in ", no more images".
    """
    then = f"trying {_v(next_image)}" if next_image else "no more images"
    # (?![\w]) rather than \b: a reason may end in ")" or "...".  The line may end in a
    # kernel message the serial console printed into it ("no more images[    4.01] IPv6: ..."
    # before the newline, seen in a fresh-clone run).
    return q.expect(rf"hopboot: {_v(image)}: {reason}(?!\w)[^\n]*, {then}(?:\s|(?=\[\s*\d+\.\d+\] ))", timeout)


def expect_demo_boot(q, version, *, poweroff=True, source="card", name=DEMO_NAME,
                     timeout=DEMO_TIMEOUT):
    """The loader boots NAME-VERSION and the demo OS reports what it got.

    Checks the loader's "booting" line, the demo's name/version, booted/from,
    root=overlay, cmdline and card lines in that order (the card, when the OS has
    one, mounted ro,nodev,nosuid,noexec).  The cmdline must hold the
    image's /boot/cmdline (demo.cmdline=ok), demo.poweroff exactly when
    `poweroff`, and no hopboot.* key except hopboot.booted and hopboot.from.
    Returns the cmdline's words.
    """
    full = f"{name}-{version}"
    q.expect(rf"hopboot: booting {_v(full)} from {_v(source)}\b", LOADER_TIMEOUT)
    q.expect(rf"HOPBOOT-DEMO name={_v(name)} version={_v(version)}\s", timeout)
    q.expect(rf"HOPBOOT-DEMO booted={_v(full)} from={_v(source)}\s", timeout)
    q.expect(r"HOPBOOT-DEMO root=overlay\s", timeout)
    words = q.expect(r"HOPBOOT-DEMO cmdline=([^\n]*)\n", timeout).group(1).split()
    check_cmdline(q, words, full, source, poweroff)
    check_card_mount(q, q.expect(r"HOPBOOT-DEMO card=(\S+)\n", timeout).group(1), source == "card")
    return words


def check_card_mount(q, options, required):
    """The card as the OS sees it at /media/card: read-only, and no device nodes, set-id
    bits or programs taken from it (nodev,nosuid,noexec), as the loader mounted it."""
    if options == "none":
        if required:
            q.fail("the OS booted from the card has no /media/card")
        return
    missing = {"ro", "nodev", "nosuid", "noexec"} - set(options.split(","))
    if missing:
        q.fail(f"the card is mounted {options} in the OS: {', '.join(sorted(missing))} missing")


def check_cmdline(q, words, booted, source, poweroff):
    problems = []
    if "demo.cmdline=ok" not in words:
        problems.append("demo.cmdline=ok (the image's /boot/cmdline) missing")
    if poweroff and "demo.poweroff" not in words:
        problems.append("demo.poweroff (OS argument from syslinux.cfg) missing")
    if not poweroff and "demo.poweroff" in words:
        problems.append("demo.poweroff present although the card's APPEND has none")
    for key, value in (("hopboot.booted", booted), ("hopboot.from", source)):
        if f"{key}={value}" not in words:
            problems.append(f"{key}={value} missing")
    leaked = [w for w in words if w.startswith("hopboot.")
              and not w.startswith(("hopboot.booted=", "hopboot.from="))]
    if leaked:
        problems.append(f"loader keys passed on to the OS: {' '.join(leaked)}")
    if problems:
        q.fail("demo cmdline wrong: " + "; ".join(problems) + f"\ncmdline: {' '.join(words)}")


def expect_poweroff(q):
    """The demo powers off by itself (demo.poweroff) and QEMU exits with 0."""
    q.expect(r"HOPBOOT-DEMO poweroff\s", DEMO_TIMEOUT)
    expect_clean_exit(q)


def expect_clean_exit(q, timeout=EXIT_TIMEOUT):
    rc = q.wait_exit(timeout)
    if rc != 0:
        q.fail(f"QEMU exited with status {rc}, expected 0 (guest poweroff)")
    q.expect_not(r"Kernel panic")


def expect_rescue(q, timeout=LOADER_TIMEOUT):
    """hopboot gives up and opens a working rescue shell."""
    q.expect(r"hopboot: no bootable image on the card, starting rescue shell\s", timeout)
    q.expect(r"hopboot-rescue# ", 60)
    q.send("echo rescue-$((6*7))")
    q.expect(r"^rescue-42$", 60)


def shell_run(q, command, output_regex, prompt, timeout=120):
    """At `prompt`, type `command`; expect `output_regex` on a line of its own."""
    q.expect(re.escape(prompt), timeout)
    q.send(command)
    return q.expect(rf"^{output_regex}$", timeout)


# --- test driver --------------------------------------------------------------

class Context:
    """What a test gets: the build dir, its scratch dir and card/boot helpers."""

    def __init__(self, build, workdir, name, args=None):
        self.args = args
        self.build = Path(build).resolve()
        self.workdir = Path(workdir).resolve()
        self.name = name
        self.tool_log = self.workdir / "tools.log"
        # What make_card() puts on a card as bzImage and initrd.img; None: the build's
        # kernel/vmlinuz and initrd.img.  Tests of another loader kernel set these.
        self.loader_kernel = None
        self.loader_initrd = None
        # The bus ctx.boot() puts the card on (CARD_BUSES).
        self.card_bus = CARD_BUS

    def artifact(self, relative):
        path = self.build / relative
        if not path.exists():
            raise TestFailure(f"build artifact {path} missing (build with cmake --build {self.build})")
        return path

    def demo_image(self, version, name=DEMO_NAME):
        return self.artifact(f"demo/{name}-{version}.img")

    def custom_demo(self, version, change, name=DEMO_NAME):
        """A demo image made in the test: images/demo-rootfs VERSION, then CHANGE(root)
        alters the root (a callable taking its Path), then images/mkimg.  Returns the
        image's path (its .sha1 beside it) under workdir/images/."""
        root = self.workdir / f"rootfs-{version}"
        run_script("demo-rootfs", "-o", root, "--name", name, "--version", version,
                   "--kernel-dir", self.artifact("kernel"), build=self.build, log=self.tool_log)
        change(root)
        run_script("mkimg", "--rootfs", root, "--name", name, "--version", version, "-o", self.workdir / "images",
                   build=self.build, log=self.tool_log)
        return self.workdir / "images" / f"{name}-{version}.img"

    def stage_demo(self, *versions, name=DEMO_NAME):
        """Copy build/demo/NAME-V.img (+ .sha1) into workdir/images; return {version: path}."""
        staging = self.workdir / "images"
        staging.mkdir(exist_ok=True)
        staged = {}
        for version in versions:
            source = self.demo_image(version, name)
            shutil.copyfile(source, staging / source.name)
            shutil.copyfile(self.artifact(f"demo/{source.name}.sha1"), staging / f"{source.name}.sha1")
            staged[version] = staging / source.name
        return staged

    def image_path(self, version, name=DEMO_NAME):
        """Where a test-made image NAME-VERSION.img goes (next to the staged ones)."""
        staging = self.workdir / "images"
        staging.mkdir(exist_ok=True)
        return staging / f"{name}-{version}.img"

    def make_card(self, images, *, card="card.img", append="demo.poweroff", keydisk=True, size=None, keys=(),
                  menu_timeout=0, rescue_password=None):
        """images/mkcard a card holding `images` (each with its .sha1 when present).

        append: OS arguments for syslinux.cfg ("" or None: none).
        menu_timeout: hopboot.timeout= before `append` (0: no boot menu, so that boots
        do not wait for keys nobody sends; None: the loader's default, 3 s).
        keydisk: True for mkcard's fresh kd.img, False for --no-keydisk, or a
        file to copy as kd.img (--keydisk FILE).
        rescue_password: a crypt(3) hash for mkcard --rescue-password.
        """
        out = self.workdir / card
        args = ["-o", out, "--loader-kernel", self.loader_kernel or self.artifact("kernel/vmlinuz"),
                "--loader-initrd", self.loader_initrd or self.artifact("initrd.img")]
        append = menu_append(append, menu_timeout)
        if append:
            args += ["--append", append]
        if size:
            args += ["--size", str(size)]
        for key in keys:
            args += ["--key", Path(key)]
        if rescue_password:
            args += ["--rescue-password", rescue_password]
        if keydisk is False:
            args.append("--no-keydisk")
        elif keydisk is not True:
            args += ["--keydisk", Path(keydisk)]
        args += [Path(image) for image in images]
        run_script("mkcard", *args, build=self.build, cwd=self.workdir, log=self.tool_log)
        if not out.is_file():
            raise TestFailure(f"mkcard succeeded but wrote no {out}")
        note(f"card {out.name}: {' '.join(sorted(card_list(out)))}")
        return out

    def boot(self, card, *, log="boot", hard_timeout=BOOT_HARD_TIMEOUT, give_up_on=GIVE_UP_ON,
             net=False, extra_args=(), reboot=False, card_bus=None):
        """A Qemu (context manager) booting `card`, console logged to workdir/LOG.log.

        extra_args: more QEMU arguments, e.g. another disk for a block source.
        reboot: the guest's reboots restart it in place instead of ending QEMU.
        card_bus: the card's bus (CARD_BUSES); None: self.card_bus."""
        return Qemu(self.workdir / f"{log}.log", card=card, hard_timeout=hard_timeout, name=log,
                    give_up_on=give_up_on, net=net, extra_args=extra_args, reboot=reboot,
                    card_bus=card_bus or self.card_bus)


def _on_signal(signum, frame):
    raise Interrupted(signum)


def run(test_main, description, add_arguments=None):
    """Parse --build/--workdir, run test_main(Context), return the exit code.

    add_arguments(parser), when given, adds a test's own options; they are
    in ctx.args.
    """
    name = Path(sys.argv[0]).stem
    parser = argparse.ArgumentParser(prog=Path(sys.argv[0]).name, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path,
                        default=Path(os.environ.get("HOPBOOT_BUILD", REPO_ROOT / "build")),
                        help="CMake build directory holding bin/, kernel/, initrd.img, demo/ "
                             "(default: $HOPBOOT_BUILD or <repo>/build)")
    parser.add_argument("--workdir", type=Path,
                        help="scratch directory (default: a fresh temporary one, removed on success)")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args()

    if shutil.which(QEMU) is None:
        print(f"SKIP: {name}: {QEMU} is not installed", flush=True)
        return EXIT_SKIP

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)

    if args.workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix=f"hopboot-{name}-"))
        remove_on_success = True
    else:
        workdir = args.workdir
        workdir.mkdir(parents=True, exist_ok=True)
        remove_on_success = False
    note(f"{name}: build {args.build}, workdir {workdir}")

    code = EXIT_FAIL
    try:
        test_main(Context(args.build, workdir, name, args))
        code = EXIT_PASS
    except TestFailure as failure:
        print(f"FAIL: {name}: {failure}", flush=True)
    except Interrupted as interrupted:
        print(f"FAIL: {name}: {interrupted}", flush=True)
        code = 128 + interrupted.signum
    except Exception:
        traceback.print_exc()
        print(f"FAIL: {name}: unexpected error (see traceback above)", flush=True)
    finally:
        _kill_all_live()

    if code == EXIT_PASS:
        print(f"PASS: {name}", flush=True)
        if remove_on_success:
            shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"{name}: workdir kept: {workdir}", flush=True)
    return code


# --- more helpers: changing a card from the host, extra disks, the demo's shell -----

def card_copy(card, *files, folder="", log=None):
    """mcopy FILES onto the card's vfat partition into ::/FOLDER (made when missing),
    as a user copies an upgrade from a workstation; a file of the same name is replaced."""
    env = {"MTOOLS_SKIP_CHECK": "1"}
    target = f"{card}@@{PARTITION_OFFSET}"
    if folder:
        listing = run_tool(["mdir", "-b", "-i", target, "::/"], env=env)
        if f"::/{folder.upper()}/" not in listing.upper().split():
            run_tool(["mmd", "-i", target, f"::/{folder}"], env=env, log=log)
    run_tool(["mcopy", "-o", "-i", target, *files, f"::/{folder}"], env=env, log=log)
    note(f"copied onto {Path(card).name}:/{folder}: {' '.join(Path(f).name for f in files)}")


def card_delete(card, *inner_paths, log=None):
    """mdel ::PATH... from the card's vfat partition."""
    run_tool(["mdel", "-i", f"{card}@@{PARTITION_OFFSET}", *(f"::{p}" for p in inner_paths)],
             env={"MTOOLS_SKIP_CHECK": "1"}, log=log)
    note(f"deleted from {Path(card).name}: {' '.join(inner_paths)}")


def make_ext4_disk(path, files=(), *, label=None, size="32M", log=None):
    """An ext4 filesystem image (no partition table) with FILES at its top (mke2fs -d)."""
    path = Path(path)
    root = path.with_name(path.name + ".d")
    root.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copyfile(f, root / Path(f).name)
    run_tool(["mke2fs", "-q", "-F", "-t", "ext4", *(["-L", label] if label else []), "-d", root, path, size],
             log=log)
    return path


def card_drive(card, bus):
    """QEMU arguments attaching the card image `card` on `bus` (see CARD_BUSES)."""
    if bus == "ide":
        return ["-drive", f"file={card},format=raw,if=ide"]
    return ["-drive", f"file={card},format=raw,if=none,id=card",
            "-device", "virtio-scsi-pci,id=cardscsi", "-device", "scsi-hd,drive=card,bus=cardscsi.0"]


def ide_disk(path, index=1):
    """QEMU arguments for another raw IDE disk (index 1: /dev/sdb beside the card)."""
    return ["-drive", f"file={path},format=raw,if=ide,index={index}"]


def demo_shutdown(q, command="poweroff", prompt="demo# "):
    """At the demo's shell prompt, run `command` (poweroff, reboot -f, ...); QEMU
    (-no-reboot) must exit with 0."""
    q.expect(re.escape(prompt), DEMO_TIMEOUT)
    q.send(command)
    expect_clean_exit(q)


def qmp_args(path):
    """QEMU arguments for a QMP server on the unix socket PATH (see Qmp)."""
    return ["-qmp", f"unix:{path},server=on,wait=off"]


class Qmp:
    """A minimal QMP client for a QEMU started with qmp_args(path): the machine's own
    keyboard (PS/2), for what the serial console cannot do, such as holding Shift."""

    def __init__(self, path, timeout=30):
        import json
        import socket
        self._json = json
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self._sock.connect(str(path))
                break
            except OSError as error:
                self._sock.close()
                if time.monotonic() > deadline:
                    raise TestFailure(f"QMP socket {path}: {error}")
                time.sleep(0.05)
        self._sock.settimeout(timeout)
        self._file = self._sock.makefile("rwb")
        self._read()                                # the greeting
        self.command("qmp_capabilities")

    def _read(self):
        line = self._file.readline()
        if not line:
            raise TestFailure("QMP: QEMU closed the connection")
        return self._json.loads(line)

    def command(self, name, **arguments):
        """Run a QMP command; return its "return" value (events in between are skipped)."""
        self._file.write(self._json.dumps({"execute": name, "arguments": arguments}).encode() + b"\r\n")
        self._file.flush()
        while True:
            reply = self._read()
            if "error" in reply:
                raise TestFailure(f"QMP {name}: {reply['error']}")
            if "return" in reply:
                return reply["return"]

    def key(self, qcode, down):
        """Press (down=True) or release a key of the PS/2 keyboard, by QEMU's qcode name."""
        self.command("input-send-event",
                     events=[{"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": qcode}}}])

    def close(self):
        for closer in (self._file.close, self._sock.close):
            try:
                closer()
            except OSError:
                pass
