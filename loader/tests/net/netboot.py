"""Shared code of hopboot's network acceptance tests (loader/tests/net/test_*.py).

A network test serves the demo images from a real server on the host's
loopback (servers.py), makes a card whose syslinux.cfg says
hopboot.src=<the server's URL as the guest sees it>, boots that card in QEMU
with user networking (qemuboot.py) and reads the console:

    import netboot
    from netboot import qemuboot, servers

    def main(ctx):
        served = netboot.serve_demo(ctx, "1.0.0", "1.1.0")          # + SHA1SUMS
        with servers.Nginx(served, ctx.workdir / "nginx") as http:
            netboot.boot_newest_of_two(ctx, http.url)

    if __name__ == "__main__":
        sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))

boot_newest_of_two() is make_card(), boot(), expect_network(),
expect_candidates_at() and expect_net_boot(); tests that check more in between
call those themselves.

netboot.run() exits 77 (skip) only when a dependency the test declares (its
daemons, and QEMU) is not installed, with one line naming exactly the missing
file and its Debian package ("SKIP: test_http: nginx: not found (install the
Debian package nginx)"); every other problem, a server that does not start or
a missing tool the test did not declare included, is a failure (exit 1).
"""

import re
import shutil
import socket
import sys
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
for _path in (HERE, HERE.parent / "qemu"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
import qemuboot  # noqa: E402
import servers  # noqa: E402
from qemuboot import TestFailure, note  # noqa: E402

GUEST_MAC = "52:54:00:12:34:56"    # QEMU's default MAC for the first NIC
NAME = qemuboot.DEMO_NAME

# The network sources' rescue line, on top of the card tests' reasons to stop waiting.
GIVE_UP_ON = qemuboot.GIVE_UP_ON + (
    r"hopboot: no bootable image from any source, starting rescue shell",)

# What each servers.py class needs installed: (binary or library, its Debian package).
SERVER_BINARIES = {
    "nginx": (("nginx", "nginx"),),
    "vsftpd": (("vsftpd", "vsftpd"),),
    "tftpd": (("in.tftpd", "tftpd-hpa"),),
    "ganesha": (("ganesha.nfsd", "nfs-ganesha"), ("libfsalvfs.so", "nfs-ganesha-vfs")),
    "openssl": (("openssl", "openssl"),),
}
QEMU_PACKAGE = "qemu-system-x86"    # qemuboot.QEMU's Debian package


def _v(text):
    return re.escape(text)


def image(version, name=NAME):
    """The file name of an image: image("1.1.0") is "Demo-1.1.0.img"."""
    return f"{name}-{version}.img"


# --- what the servers serve ------------------------------------------------------------

def serve_demo(ctx, *versions, directory="served", index=True, sha1_files=True):
    """Copy build/demo images into workdir/DIRECTORY for a server; return that directory.

    Each NAME-V.img gets its NAME-V.img.sha1 beside it unless sha1_files is
    False; index=True also writes SHA1SUMS with images/mkindex (which takes
    each digest from the .sha1, so an image damaged afterwards is still
    caught).  The directory is 0755 and its files 0644: vsftpd's anonymous
    user and the other daemons read it, whoever runs them.
    """
    served = ctx.workdir / directory
    served.mkdir(mode=0o755, exist_ok=True)
    served.chmod(0o755)
    for version in versions:
        source = ctx.demo_image(version)
        shutil.copyfile(source, served / source.name)
        (served / source.name).chmod(0o644)
        sha1 = served / f"{source.name}.sha1"
        shutil.copyfile(ctx.artifact(f"demo/{source.name}.sha1"), sha1)
        sha1.chmod(0o644)
    if index:
        qemuboot.run_script("mkindex", served, build=ctx.build, log=ctx.tool_log)
        (served / "SHA1SUMS").chmod(0o644)
        listed = [line.split()[-1] for line in (served / "SHA1SUMS").read_text().splitlines()]
        note(f"SHA1SUMS: {' '.join(listed)}")
    if not sha1_files:
        for version in versions:
            (served / f"{image(version)}.sha1").unlink()
    note(f"serving {served.name}/: {' '.join(sorted(p.name for p in served.iterdir()))}")
    return served


class DeadPort:
    """A TCP port on 127.0.0.1 where nothing listens, kept so while the test runs.

    The socket is bound but never listens, so no other process can take the
    port and a connection to it is refused (RST).  .url is the HTTP URL the
    guest would use.  A context manager; close() frees the port.
    """

    def __init__(self):
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        for _ in range(50):
            port = servers.pick_ports(1, "tcp")
            try:
                self._socket.bind((servers.LOCAL_HOST, port))
                break
            except OSError:
                continue
        else:
            raise TestFailure("no free TCP port to keep closed")
        self.port = self._socket.getsockname()[1]
        self.url = f"http://{servers.GUEST_HOST}:{self.port}/"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def close(self):
        self._socket.close()


# --- the card ----------------------------------------------------------------------------

def make_card(ctx, sources, *, card_versions=(), ca=None, card="card.img", append="demo.poweroff"):
    """A card whose APPEND line has hopboot.src=SOURCES (joined by commas).

    card_versions: demo images also put on the card (the fallback).  ca: a
    PEM file copied onto the card as ca.pem, with hopboot.ca=ca.pem.
    append: the OS's own arguments after the hopboot keys.
    """
    keys = [f"hopboot.src={','.join(sources)}"]
    if ca is not None:
        keys.append("hopboot.ca=ca.pem")
    images = ctx.stage_demo(*card_versions).values() if card_versions else []
    out = ctx.make_card(images, card=card, append=" ".join(keys + ([append] if append else [])))
    if ca is not None:
        qemuboot.run_tool(["mcopy", "-i", f"{out}@@{qemuboot.PARTITION_OFFSET}", ca, "::/ca.pem"],
                          env={"MTOOLS_SKIP_CHECK": "1"}, log=ctx.tool_log)
        note(f"card {out.name}: + ca.pem ({Path(ca).name})")
    return out


def boot(ctx, card, *, log="boot", reboot=False):
    """ctx.boot() with user networking and the network rescue line as a reason to stop
    (reboot=True: the guest reboots in place instead of ending QEMU)."""
    return ctx.boot(card, log=log, net=True, give_up_on=GIVE_UP_ON, reboot=reboot)


# --- what the console says ---------------------------------------------------------------

def expect_network(q):
    """DHCP from QEMU's user network gave eth0 its usual address."""
    return q.expect(rf"hopboot: network: eth0 \({_v(GUEST_MAC)}\) is 10\.0\.2\.15\s",
                    qemuboot.LOADER_TIMEOUT)


def boot_newest_of_two(ctx, url, *, ca=None):
    """A card whose only source is `url`, serving Demo-1.0.0 and Demo-1.1.0: the network
    comes up, `url` lists both newest first, and 1.1.0 is fetched, verified and boots."""
    card = make_card(ctx, [url], ca=ca)
    with boot(ctx, card) as q:
        expect_network(q)
        expect_candidates_at(q, url, "1.1.0", "1.0.0")
        expect_net_boot(q, "1.1.0", url + image("1.1.0"))


def expect_candidates_at(q, url, *versions):
    """The candidates line of source `url`, images newest first as given."""
    names = " ".join(_v(image(v)) for v in versions)
    return q.expect(rf"hopboot: candidates at {_v(url)}: {names}\n", qemuboot.LOADER_TIMEOUT)


def expect_net_boot(q, version, image_url, *, keydisk="kd.img"):
    """NAME-VERSION boots from `image_url`: the loader's line, stage 2 and the demo OS.

    The OS must see hopboot.from=<image_url>; stage 2 must say the root image
    is in RAM.  Then the demo powers off and QEMU exits with 0.
    """
    qemuboot.expect_demo_boot(q, version, source=image_url)
    upper = f"keydisk {_v(keydisk)}" if keydisk else "tmpfs"
    q.assert_seen(rf"hopboot-stage2: root is {_v(NAME)}-{_v(version)} \(in RAM\) \+ {upper}\s")
    qemuboot.expect_poweroff(q)


def expect_card_fallback(q):
    """Every network source failed and the loader turns to the card."""
    return q.expect(r"hopboot: every network source failed, trying the card's images\n",
                    qemuboot.LOADER_TIMEOUT)


def expect_card_not_tried(q):
    """The card's images were never considered (a network source booted)."""
    q.expect_not(r"hopboot: every network source failed")
    q.expect_not(r"hopboot: candidates: ")
    q.expect_not(r"hopboot: booting \S+ from card\b")


def expect_connection_refused(q, url, port):
    """Source `url` cannot be reached: libcurl's connect failure in its index line."""
    return q.expect(rf"hopboot: {_v(url)}: cannot fetch its SHA1SUMS index \(Failed to connect to "
                    rf"10\.0\.2\.2 port {port}\b[^\n]*Couldn't connect to server\)\n",
                    qemuboot.LOADER_TIMEOUT)


# --- what the servers saw ----------------------------------------------------------------

def nginx_gets(server, path):
    """The access log lines of GET requests for /PATH."""
    text = server.log.read_text() if server.log.exists() else ""
    return [line for line in text.splitlines() if f'"GET /{path} ' in line]


def check(condition, message, evidence=""):
    """Fail with `message` (and the lines that show why) unless `condition` holds."""
    if not condition:
        raise TestFailure(message + (f"\n{evidence}" if evidence else ""))
    note(f"ok: {message}")


def check_nginx_gets(server, path, count, status=None, size=None):
    """nginx answered exactly `count` GETs of /PATH (each with status and body size)."""
    lines = nginx_gets(server, path)
    log = f"--- {server.log} ---\n" + (server.log.read_text() if server.log.exists() else "(none)")
    check(len(lines) == count, f"nginx saw {count} GET of /{path} (saw {len(lines)})", log)
    for line in lines:
        if status is not None:
            check(re.search(rf'" range="-" {status} ', line) is not None,
                  f"GET /{path} (no Range) answered {status}", log)
        if size is not None:
            check(line.split('"')[-1].split()[1] == str(size),
                  f"GET /{path} sent all {size} bytes", log)
    return lines


def seconds_between(q, first, second):
    """Seconds between the arrival of two re.Match objects' lines on the console."""
    return q.arrival(second.end()) - q.arrival(first.end())


# --- the driver -------------------------------------------------------------------------

def _installed(file):
    if file.endswith(".so"):    # a library ganesha.nfsd loads (its FSAL), where Debian puts it
        return any(Path("/usr/lib").glob(f"*/ganesha/{file}")) or any(Path("/usr/lib").glob(f"ganesha/{file}"))
    try:
        servers._find_binary(file, None)
    except servers.MissingBinary:
        return False
    return True


def missing_binary(names):
    """The servers.MissingBinary (naming the file and its Debian package) for the first
    dependency of the daemons `names` (SERVER_BINARIES keys), then of QEMU, that is not
    installed; None when all are."""
    needed = [dependency for name in names for dependency in SERVER_BINARIES[name]]
    for file, package in needed + [(qemuboot.QEMU, QEMU_PACKAGE)]:
        if not _installed(file):
            return servers.MissingBinary(file, package)
    return None


def run(test_main, description, *, daemons=(), add_arguments=None):
    """qemuboot.run(test_main) after checking `daemons` (SERVER_BINARIES keys) are installed.

    Exit 77 when one of their files (or QEMU) is not installed, saying which and
    its Debian package; nothing else exits 77 (qemuboot.run() returns 0, 1 or
    128+signal once QEMU is there).  A server that fails to start becomes a
    TestFailure with its log tail.  add_arguments as for qemuboot.run().
    """
    missing = missing_binary(daemons)
    if missing is not None:
        print(f"SKIP: {Path(sys.argv[0]).stem}: {missing}", flush=True)
        return qemuboot.EXIT_SKIP

    def guarded(ctx):
        try:
            test_main(ctx)
        except servers.ServerError as error:
            raise TestFailure(f"server: {error}") from error

    return qemuboot.run(guarded, description, add_arguments)

