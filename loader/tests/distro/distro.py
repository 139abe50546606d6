"""Shared code of the stock-distribution tests (loader/tests/distro, ctest label "distro").

They prove that hopboot boots a root it knows nothing about: a stock Debian 12 made by
mmdebstrap from Debian's packages, with systemd and with sysvinit, boots, keeps its
changes in the keydisk across boots and an upgrade, and shuts down the normal way
leaving the card's FAT and the keydisk's ext4 clean.

    import distro
    from distro import qemuboot

    def main(ctx):
        images = distro.images(ctx, "systemd", "1.0.0")     # {version: Path}
        card = distro.make_card(ctx, [images["1.0.0"]])
        checks = distro.Checks()
        with ctx.boot(card, log="boot1") as q:
            distro.expect_boot(q, checks, "1.0.0", init="systemd", counter=1)
        distro.check_card(ctx, card, checks, "boot1")
        checks.finish()

The roots.  BUILD/distro/root-VARIANT-KEY is `mmdebstrap --variant=minbase
--include=PACKAGES bookworm` (VARIANTS below) from the Debian sources this machine's
apt is configured with (its bookworm, -updates and -security entries), plus a relative
/boot/vmlinuz symlink to the installed kernel: nothing else.  There is no
/boot/initrd.img: stage 2 loads the modules the root needs itself, so Debian's own
initramfs (initramfs-tools makes /boot/initrd.img-RELEASE, 15 MiB) stays unused.
KEY hashes the package list, the mmdebstrap arguments and the source of the code that
completes the root (_fix_root), so changing the recipe makes a new root; the archive
moving on does not (delete BUILD/distro to start afresh).

The images.  BUILD/distro/img-VARIANT-VERSION-KEY/Deb-VERSION.img (+ .sha1, .sha256)
is images/mkimg of a copy of that root with the test hook added: build/bin/hopboot-bless
and guest/hopboot-distro-test in /usr/local/sbin, /etc/hopboot-distro-version holding
VERSION (the only difference between Deb-1.0.0 and Deb-1.1.0), and what starts the hook
at the end of boot (systemd: guest/hopboot-distro-test.service, and serial-getty on
ttyS0 masked so that no getty hangs up the console the hook writes to; sysvinit: a
"once" line after rc 2 in /etc/inittab).  KEY hashes the root's key, the guest files,
hopboot-bless, images/mkimg and images/lib.sh, so a rebuilt hopboot-bless or a changed
mkimg makes new images.

Everything is built in a temporary directory beside its final place and renamed into
it, so a test never sees half a root or half an image, and under one lock
(BUILD/distro/.lock), so tests running in parallel build each root once: whoever comes
second waits and then finds it made.  Temporaries an interrupted build left are removed
at the next build; older roots and images of the same variant are removed once a new
one is in place.

The hook (guest/hopboot-distro-test) prints "HOPBOOT-DISTRO ..." lines on the console;
expect_boot() reads them.  Checks are collected (Checks) rather than raised one by one,
so that one run says everything that does not hold yet; the sequence of the console
(what comes after what, timeouts) still fails at once.
"""

import ctypes
import fcntl
import hashlib
import inspect
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
_QEMU_DIR = HERE.parent / "qemu"
if str(_QEMU_DIR) not in sys.path:
    sys.path.insert(0, str(_QEMU_DIR))
import qemuboot  # noqa: E402
from qemuboot import TestFailure, note  # noqa: E402

NAME = "Deb"
SUITE = "bookworm"
# libpam-modules-bin holds /usr/sbin/unix_chkpwd (root:shadow 2755), whose owners the
# tests check; it comes with login (essential) anyway.
_COMMON = ["udev", "kmod", "linux-image-cloud-amd64", "libpam-modules-bin"]
VARIANTS = {
    "systemd": ["systemd-sysv", *_COMMON],
    "sysvinit": ["sysvinit-core", *_COMMON],
}
GUEST = HERE / "guest"
HOOK = "hopboot-distro-test"
KEYDISK_MB = 64             # systemd's persistent journal lives in the keydisk too
BOOT_HARD_TIMEOUT = 240     # one boot: loader, kexec, Debian up, hook, shutdown (~35-90 s)
LOADER_TIMEOUT = 150        # power-on to hopboot's "booting" line
OS_TIMEOUT = 180            # "booting" line to the hook's first line
EXIT_TIMEOUT = 120          # the hook's "poweroff" line to QEMU's exit

MIB = 1 << 20


# --- building and caching ----------------------------------------------------------

def cache_dir(build):
    return Path(build).resolve() / "distro"


class _Lock:
    """An exclusive flock on BUILD/distro/.lock.  The builders started under it inherit
    it (_run), so it is held until the last of them has exited, even when the test
    process dies first."""

    def __init__(self, directory):
        self.path = Path(directory) / ".lock"
        self.handle = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            note(f"{self.path}: another test is building, waiting for it")
            started = time.monotonic()
            fcntl.flock(self.handle, fcntl.LOCK_EX)
            note(f"{self.path}: waited {time.monotonic() - started:.0f} s")
        return self

    def fileno(self):
        return self.handle.fileno()

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
        return False


try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def _term_with_parent():
    # Between fork and exec: SIGTERM when the test process dies, so that mmdebstrap
    # unmounts what it mounted in the root and stops, rather than building on orphaned.
    if _prctl is not None:
        _prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG


def _run(argv, lock, log, what, env=None):
    """Run a builder under LOCK (inherited), its output appended to LOG; fail with its tail."""
    argv = [str(a) for a in argv]
    with open(log, "ab") as handle:
        handle.write(f"$ {' '.join(argv)}\n".encode())
        handle.flush()
        result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
                                env=dict(os.environ, **(env or {})), pass_fds=(lock.fileno(),),
                                preexec_fn=_term_with_parent)
        handle.write(f"(exit {result.returncode})\n".encode())
    if result.returncode != 0:
        tail = "\n".join(Path(log).read_text(errors="replace").splitlines()[-30:])
        raise TestFailure(f"{what} failed with status {result.returncode} (log {log}):\n{tail}")


def _digest(*parts):
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:16]


def _mmdebstrap_argv(variant, target, sources):
    return ["mmdebstrap", "--mode=root", "--variant=minbase", "--include=" + ",".join(VARIANTS[variant]),
            "--aptopt=Acquire::Retries \"3\"", SUITE, str(target), str(sources)]


def root_key(variant):
    """What the root of VARIANT is made of: its packages, mmdebstrap's arguments and the
    code that completes it (_fix_root)."""
    return _digest(variant, SUITE, *VARIANTS[variant], *_mmdebstrap_argv(variant, "T", "S"),
                   inspect.getsource(_mmdebstrap_argv), inspect.getsource(_fix_root))


def debian_sources(out):
    """Write this machine's apt sources for SUITE (and SUITE-updates, -security) to OUT
    (deb822, .sources); other suites (third-party repositories) are left out.  Returns OUT."""
    stanzas = []
    apt = Path("/etc/apt")
    files = [apt / "sources.list"] + sorted((apt / "sources.list.d").glob("*.list"))
    for path in files:
        if not path.is_file():
            continue
        for line in path.read_text(errors="replace").splitlines():
            line = line.split("#", 1)[0].strip()
            match = re.match(r"^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s+(.+)$", line)
            if not match or not _our_suite(match.group(3)):
                continue
            options = dict(o.split("=", 1) for o in (match.group(1) or "").split() if "=" in o)
            stanza = ["Types: deb", f"URIs: {match.group(2)}", f"Suites: {match.group(3)}",
                      f"Components: {match.group(4)}"]
            if options.get("signed-by"):
                stanza.append(f"Signed-By: {options['signed-by']}")
            stanzas.append("\n".join(stanza))
    for path in sorted((apt / "sources.list.d").glob("*.sources")):
        text = path.read_text(errors="replace")
        for block in re.split(r"\n\s*\n", text):
            fields = {}
            key = None
            for raw in block.splitlines():
                if raw.startswith("#"):
                    continue
                if raw[:1] in (" ", "\t") and key:
                    fields[key] += "\n" + raw
                    continue
                if ":" in raw:
                    key, value = raw.split(":", 1)
                    key = key.strip().lower()
                    fields[key] = value.strip()
            if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes").lower() == "no":
                continue
            suites = [s for s in fields.get("suites", "").split() if _our_suite(s)]
            if not suites or not fields.get("uris"):
                continue
            stanza = ["Types: deb", f"URIs: {fields['uris']}", f"Suites: {' '.join(suites)}",
                      f"Components: {fields.get('components', 'main')}"]
            if fields.get("signed-by"):
                stanza.append(f"Signed-By: {fields['signed-by']}")
            stanzas.append("\n".join(stanza))
    if not stanzas:
        raise TestFailure(f"no apt source for Debian {SUITE} in /etc/apt/sources.list(.d): "
                          "the distro tests build their roots from this machine's Debian mirror")
    Path(out).write_text("\n\n".join(stanzas) + "\n")
    return Path(out)


def _our_suite(suite):
    return suite == SUITE or re.fullmatch(rf"{SUITE}-(updates|security|backports)", suite) is not None


def _fix_root(root):
    """What hopboot needs beyond the packages: the kernel at /boot/vmlinuz (Debian links it
    at /vmlinuz, an absolute link to boot/...), as a relative link to the installed one."""
    kernels = sorted(p.name for p in (root / "boot").glob("vmlinuz-*"))
    if len(kernels) != 1:
        raise TestFailure(f"{root}/boot: expected one vmlinuz-*, found {kernels}")
    release = kernels[0][len("vmlinuz-"):]
    if not (root / "lib/modules" / release / "modules.dep").is_file():
        raise TestFailure(f"{root}/lib/modules/{release}/modules.dep missing: the kernel's modules are not depmod'ed")
    link = root / "boot" / "vmlinuz"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(kernels[0])


def _mounts_under(path):
    path = os.path.realpath(path)
    found = []
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
            if point == path or point.startswith(path + "/"):
                found.append(point)
    return found


def _remove_tree(path):
    """rm -rf PATH, but never through a mount: an mmdebstrap killed outright leaves /proc,
    /sys (rbind) and bind-mounted /dev nodes mounted in its root, and deleting the host's
    files through them must not happen.  Those are unmounted first (lazily); if any stay,
    the test fails and leaves PATH alone."""
    for point in sorted(_mounts_under(path), key=len, reverse=True):
        subprocess.run(["umount", "--lazy", point], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    left = _mounts_under(path)
    if left:
        raise TestFailure(f"{path}: cannot remove it, these are still mounted in it: {' '.join(left)}")
    shutil.rmtree(path, ignore_errors=True)


def _prune(directory, prefix, keep):
    for old in directory.glob(prefix + "*"):
        if old.name != keep and old.is_dir():
            note(f"removing the outdated {old}")
            _remove_tree(old)


def _remove_temporaries(directory):
    # Only ever called with the lock held: no build is running (a builder holds the lock
    # as long as it lives), so these are left over from an interrupted one.
    for old in directory.glob("tmp-*"):
        note(f"removing {old}, left by an interrupted build")
        _remove_tree(old)


def root(ctx, variant):
    """The cached root of VARIANT (built when missing).  Returns its Path."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    directory = cache_dir(ctx.build)
    final = directory / f"root-{variant}-{root_key(variant)}"
    if final.is_dir():
        return final
    with _Lock(directory) as lock:
        if final.is_dir():
            note(f"{final.name}: built meanwhile by another test")
            return final
        _remove_temporaries(directory)
        temp = directory / f"tmp-{final.name}-{os.getpid()}"
        temp.mkdir()
        try:
            _build_root(variant, temp / "root", temp, directory / f"mmdebstrap-{variant}.log", lock)
            os.rename(temp / "root", final)
        finally:
            _remove_tree(temp)
        _prune(directory, f"root-{variant}-", final.name)
    note(f"root {final}: {_du(final)} MiB")
    return final


def _build_root(variant, target, workdir, log, lock):
    """mmdebstrap VARIANT into TARGET (must not exist yet), then _fix_root."""
    if shutil.which("mmdebstrap") is None:
        raise TestFailure("mmdebstrap: not found (apt-get install mmdebstrap; ci/deps should)")
    if os.geteuid() != 0:
        raise TestFailure("the distro tests build Debian roots with mmdebstrap --mode=root: run them as root")
    argv = _mmdebstrap_argv(variant, target, debian_sources(Path(workdir) / "debian.sources"))
    note(f"building the {variant} root: {' '.join(argv)} (log {log})")
    started = time.monotonic()
    _run(argv, lock, log, "mmdebstrap")
    note(f"mmdebstrap {variant}: {time.monotonic() - started:.0f} s")
    _fix_root(Path(target))


def _du(path):
    out = subprocess.run(["du", "-sm", str(path)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return out.stdout.split()[0] if out.returncode == 0 and out.stdout else "?"


def _file_bytes(path):
    path = Path(path)
    if not path.is_file():
        raise TestFailure(f"{path}: missing")
    return path.read_bytes()


# The packing tools, read once per test: bash reads a script as it runs it, so the
# pack runs a copy of exactly these bytes (an edit of the working tree meanwhile reaches
# neither the running pack nor the cache key).
PACK_TOOLS = ("mkimg", "lib.sh")


def image_key(ctx, variant, version, tools):
    guest = [(p.name, p.read_bytes()) for p in sorted(GUEST.iterdir()) if p.is_file()]
    return _digest(root_key(variant), variant, version, *(x for pair in guest for x in pair),
                   _file_bytes(ctx.artifact("bin/hopboot-bless")), *(tools[name] for name in PACK_TOOLS),
                   inspect.getsource(_add_hook), inspect.getsource(_pack))


def images(ctx, variant, *versions):
    """Deb-VERSION.img (+ .sha1, .sha256) of VARIANT for each VERSION, from the cache
    (built when missing).  Returns {version: Path of the .img}."""
    base = root(ctx, variant)
    directory = cache_dir(ctx.build)
    tools = {name: _file_bytes(qemuboot.IMAGES_DIR / name) for name in PACK_TOOLS}
    wanted = {v: directory / f"img-{variant}-{v}-{image_key(ctx, variant, v, tools)}" for v in versions}

    def missing():
        return {v: d for v, d in wanted.items() if not (d / f"{NAME}-{v}.img.sha1").is_file()}

    if missing():
        with _Lock(directory) as lock:
            if missing():
                _remove_temporaries(directory)
                _pack_images(ctx, variant, base, directory, missing(), tools, lock)
    found = {}
    for version, d in wanted.items():
        image = d / f"{NAME}-{version}.img"
        note(f"{variant} image {image} ({image.stat().st_size / MIB:.1f} MiB)")
        found[version] = image
    return found


def _pack_images(ctx, variant, base, directory, wanted, tools, lock):
    temp = directory / f"tmp-images-{variant}-{os.getpid()}"
    staging = temp / "root"
    temp.mkdir()
    try:
        mkimg = _write_tools(temp / "tools", tools)
        started = time.monotonic()
        _run(["cp", "-a", "--reflink=auto", base, staging], lock, temp / "cp.log", "cp -a")
        note(f"copied the {variant} root for packing: {time.monotonic() - started:.0f} s")
        _add_hook(ctx, variant, staging)
        for version, final in wanted.items():
            out = temp / f"out-{version}"
            _pack(ctx, mkimg, staging, version, out, lock)
            os.rename(out, final)
            _prune(directory, f"img-{variant}-{version}-", final.name)
    finally:
        _remove_tree(temp)


def _write_tools(directory, tools):
    """TOOLS (PACK_TOOLS' bytes) as DIRECTORY/images/*; returns the mkimg to run."""
    (directory / "images").mkdir(parents=True)
    for name, data in tools.items():
        (directory / "images" / name).write_bytes(data)
        os.chmod(directory / "images" / name, 0o755)
    return directory / "images" / "mkimg"


def _add_hook(ctx, variant, staging):
    """The test hook and hopboot-bless, and what starts the hook at the end of boot."""
    sbin = staging / "usr/local/sbin"
    sbin.mkdir(parents=True, exist_ok=True)
    for source, name in ((ctx.artifact("bin/hopboot-bless"), "hopboot-bless"), (GUEST / HOOK, HOOK)):
        shutil.copyfile(source, sbin / name)
        os.chmod(sbin / name, 0o755)
        os.chown(sbin / name, 0, 0)
    if variant == "systemd":
        units = staging / "etc/systemd/system"
        shutil.copyfile(GUEST / f"{HOOK}.service", units / f"{HOOK}.service")
        wants = units / "multi-user.target.wants"
        wants.mkdir(exist_ok=True)
        (wants / f"{HOOK}.service").symlink_to(f"/etc/systemd/system/{HOOK}.service")
        # The hook writes to the console: no getty there to hang it up (vhangup) or to
        # print its prompt into the hook's lines.
        (units / "serial-getty@ttyS0.service").symlink_to("/dev/null")
    else:
        inittab = staging / "etc/inittab"
        text = inittab.read_text()
        if not re.search(r"^l2:2:wait:/etc/init.d/rc 2$", text, re.MULTILINE):
            raise TestFailure(f"{inittab}: no 'l2:2:wait:/etc/init.d/rc 2' line; sysvinit-core changed?")
        # "once" entries start after the "wait" entries before them (rc 2) have finished.
        inittab.write_text(text.rstrip("\n") + f"\n\n# hopboot distro test (loader/tests/distro)\n"
                           f"hb:2345:once:/usr/local/sbin/{HOOK}\n")


def _pack(ctx, mkimg, staging, version, out, lock):
    (staging / "etc/hopboot-distro-version").write_text(version + "\n")
    started = time.monotonic()
    # lz4: packing a Debian root with mkimg's default xz takes 2.5 to 3.5 minutes on 2 cores,
    # lz4 seconds; Debian's kernel reads it, and the test is about the OS, not the size.
    argv = [mkimg, "--rootfs", staging, "--name", NAME, "--version", version, "-o", out, "--comp", "lz4"]
    note(f"run images/mkimg {' '.join(str(a) for a in argv[1:])} (a copy of it, log {ctx.tool_log})")
    _run(argv, lock, ctx.tool_log, "images/mkimg", env={"HOPBOOT_BUILD": str(ctx.build)})
    note(f"mkimg {NAME}-{version}: {time.monotonic() - started:.0f} s")


# --- the card --------------------------------------------------------------------------

def make_card(ctx, images_on_card, *, room_for=(), card="card.img"):
    """images/mkcard --name Deb with IMAGES_ON_CARD (each with its .sha1), a fresh
    KEYDISK_MB keydisk and no OS arguments beyond syslinux.cfg's own (its APPEND line's
    console=tty0 console=ttyS0,115200 reach the OS: stage 1 passes on every word that is
    not a hopboot.* key).  ROOM_FOR: files to be copied onto the card later (upgrades),
    counted into its size."""
    keydisk = ctx.workdir / "kd-fresh.img"
    qemuboot.run_script("mkkeydisk", "-o", keydisk, "--size", str(KEYDISK_MB), build=ctx.build, log=ctx.tool_log)
    total = sum(Path(p).stat().st_size for p in [*images_on_card, *room_for]) + KEYDISK_MB * MIB
    size_mb = total // MIB + 64
    out = ctx.workdir / card
    args = ["-o", out, "--name", NAME, "--size", str(size_mb), "--keydisk", keydisk,
            "--loader-kernel", ctx.artifact("kernel/vmlinuz"), "--loader-initrd", ctx.artifact("initrd.img"),
            "--append", qemuboot.menu_append("", 0), *images_on_card]
    qemuboot.run_script("mkcard", *args, build=ctx.build, cwd=ctx.workdir, log=ctx.tool_log)
    note(f"card {out.name} ({size_mb} MiB): {' '.join(sorted(qemuboot.card_list(out)))}")
    return out


# --- checks --------------------------------------------------------------------------

class Checks:
    """Acceptance checks, collected: each check() is noted as it is made, and finish()
    fails the test naming every one that did not hold."""

    def __init__(self):
        self.failed = []
        self.count = 0

    def check(self, ok, what, detail=""):
        self.count += 1
        note(f"{'ok  ' if ok else 'FAIL'} {what}" + ("" if ok or not detail else f": {detail}"))
        if not ok:
            self.failed.append(f"{what}" + (f": {detail}" if detail else ""))
        return ok

    def finish(self):
        if self.failed:
            raise TestFailure(f"{len(self.failed)} of {self.count} checks failed:\n  - "
                              + "\n  - ".join(self.failed))
        note(f"all {self.count} checks hold")


# Console lines that must not appear in any boot: a unit that failed (systemd's
# "[FAILED] ..."), systemd-shutdown giving up on the last mounts and loops, the card's
# FAT or the keydisk's journal left dirty by the previous shutdown.
CONSOLE_MUST_NOT = (
    (r"FAILED", "a FAILED line"),
    (r"Failed to finalize", "systemd-shutdown could not finalize mounts/loops"),
    (r"\[FAIL\]", "a [FAIL] line of an init script"),
    (r"was not cleanly unmounted|fsck\.fat repaired", "hopboot found the card dirty and repaired it"),
    (r"Volume was not properly unmounted", "the kernel found a dirty FAT"),
    (r"recovery complete|orphan", "an ext4 journal recovery or orphan cleanup"),
)


def expect_boot(q, checks, version, *, init, counter, candidates=None, trial=None):
    """One boot of Deb-VERSION to its normal poweroff; checks what the hook reports.

    candidates: the loader's candidate list to expect (names), when given.
    trial: N to expect "Deb-VERSION.img: trial boot N of 3" before it; None: not looked for.
    counter: the value the keydisk's counter must reach in this boot.
    """
    label = f"{NAME}-{version}"
    tag = q.name
    if candidates:
        qemuboot.expect_candidates(q, *candidates)
    if trial is not None:
        q.expect(rf"hopboot: {re.escape(label)}\.img: trial boot {trial} of \d+, until the OS confirms it", LOADER_TIMEOUT)
    q.expect(rf"hopboot: booting {re.escape(label)} from card\b", LOADER_TIMEOUT)
    q.expect(rf"hopboot-stage2: root is {re.escape(label)}\.img \+ keydisk kd\.img\s", OS_TIMEOUT)
    system = q.expect(r"HOPBOOT-DISTRO system=([^\n]*)\n", OS_TIMEOUT).group(1).strip()
    booted = q.expect(r"HOPBOOT-DISTRO booted ([^\n]*)\n", 60).group(1)
    if init == "systemd":
        failed_units = re.findall(r"HOPBOOT-DISTRO failed-unit ([^\n]*)", q.output)
        checks.check(system == "running", f"{tag}: systemd reached 'running' (no failed unit)",
                     f"is-system-running says {system!r}; failed units: {failed_units}")
    want = f"version={version} image={label} init={init} "
    if not booted.startswith(want):
        q.fail(f"the hook reports {booted!r}, expected {want}...")
    card = q.expect(r"HOPBOOT-DISTRO mount /media/card ([^\n]*)\n", 60).group(1).split()
    checks.check(len(card) == 3 and "ro" in card[2].split(","), f"{tag}: the card is mounted read-only at /media/card",
                 f"/proc/mounts: {' '.join(card)}")
    got = q.expect(r"HOPBOOT-DISTRO counter=(\d+)\n", 60).group(1)
    checks.check(got == str(counter), f"{tag}: the keydisk's counter is {counter}", f"counter={got}")
    for path, owners, mode in (("/etc/shadow", "root:shadow", "640"), ("/usr/sbin/unix_chkpwd", "root:shadow", "2755")):
        seen = q.expect(rf"HOPBOOT-DISTRO stat {re.escape(path)} ([^\n]*)\n", 60).group(1).strip()
        checks.check(seen == f"{owners} {mode}", f"{tag}: {path} is {owners} {mode}", f"it is {seen}")
    rc = q.expect(r"HOPBOOT-DISTRO bless rc=(\d+)\n", 60).group(1)
    output = " / ".join(re.findall(r"HOPBOOT-DISTRO bless-output ([^\n]*)", q.output))
    checks.check(rc == "0" and re.search(rf"hopboot-bless: {re.escape(label)}\.img (confirmed|is already confirmed)",
                                         output) is not None,
                 f"{tag}: hopboot-bless confirms {label}.img", f"exit status {rc}, output: {output}")
    status = q.expect(r"HOPBOOT-DISTRO status-file (present|missing)\n", 60).group(1)
    checks.check(status == "present", f"{tag}: stage 2 wrote /run/hopboot/status", "no /run/hopboot/status")
    q.expect(r"HOPBOOT-DISTRO poweroff\n", 60)
    rc = q.wait_exit(EXIT_TIMEOUT)
    if rc != 0:
        q.fail(f"QEMU exited with status {rc}, expected 0 (the guest powered off)")
    q.expect_not(r"Kernel panic")
    text = q.output
    if init == "systemd":
        # systemd hands the end of its shutdown to stage 2's /run/initramfs/shutdown.
        exitrd = "hopboot-shutdown: the root, the keydisk, the image and the card are unmounted"
        checks.check(exitrd in text, f"{tag}: /run/initramfs/shutdown took everything down", "no such line")
    else:
        checks.check("hopboot-shutdown:" not in text, f"{tag}: no exitrd without systemd (the keeper's job)",
                     "a hopboot-shutdown line")
    for regex, what in CONSOLE_MUST_NOT:
        found = [_line_at(text, m.start()).strip() for m in re.finditer(regex, text)]
        checks.check(not found, f"{tag}: no console line with /{regex}/ ({what})",
                     "; ".join(dict.fromkeys(found)))


def _line_at(text, position):
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start:end if end >= 0 else len(text)]


def check_card(ctx, card, checks, tag):
    """After QEMU exited: the card's FAT has no dirty bit (fsck.fat -n on the partition,
    cut out of the card image) and kd.img is a clean ext4 (no needs_recovery)."""
    partition = ctx.workdir / f"{tag}-partition.img"
    start, length = _first_partition(card)
    with open(card, "rb") as src, open(partition, "wb") as dst:
        src.seek(start)
        left = length
        while left:
            block = src.read(min(left, 8 * MIB))
            if not block:
                break
            dst.write(block)
            left -= len(block)
    fsck = subprocess.run(["fsck.fat", "-n", str(partition)], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    said = fsck.stdout.strip().replace("\n", " | ")
    checks.check(fsck.returncode == 0 and "dirty bit" not in fsck.stdout.lower(),
                 f"{tag}: the card's FAT is clean (fsck.fat -n exits 0, no dirty bit)",
                 f"fsck.fat -n exit {fsck.returncode}: {said}")
    partition.unlink()
    keydisk = qemuboot.card_extract(card, "/kd.img", ctx.workdir / f"{tag}-kd.img")
    header = qemuboot.run_tool(["dumpe2fs", "-h", keydisk])
    state = next((line.split(":", 1)[1].strip() for line in header.splitlines()
                  if line.startswith("Filesystem state:")), None)
    features = next((line.split(":", 1)[1].strip() for line in header.splitlines()
                     if line.startswith("Filesystem features:")), "")
    checks.check(state == "clean" and "needs_recovery" not in features.split(),
                 f"{tag}: kd.img is a clean ext4 (state clean, no needs_recovery)",
                 f"state {state!r}, features: {features}")
    keydisk.unlink()


def _first_partition(card):
    """(byte offset, byte length) of the card's first MBR partition."""
    with open(card, "rb") as handle:
        mbr = handle.read(512)
    if mbr[510:512] != b"\x55\xaa":
        raise TestFailure(f"{card}: no MBR")
    entry = mbr[446:462]
    start = int.from_bytes(entry[8:12], "little") * 512
    length = int.from_bytes(entry[12:16], "little") * 512
    if start != qemuboot.PARTITION_OFFSET or length == 0:
        raise TestFailure(f"{card}: first partition at {start} ({length} bytes), expected {qemuboot.PARTITION_OFFSET}")
    return start, length
