#!/usr/bin/env python3
"""Fetch over every protocol from a QEMU guest: proof that the net fixtures work for the loader.

Boots the loader kernel (BUILD/kernel/vmlinuz, Debian's modular cloud
kernel) with -kernel and a busybox initramfs made here that loads virtio-net
and NFSv4 from BUILD/kernel/lib/modules, gets its address by DHCP from QEMU
user networking (qemuboot.Qemu(net=True): the lease must give eth0 10.0.2.15
with router 10.0.2.2; no lease fails the test, there is no static fallback)
and offers a shell.  Then, with the servers of servers.py bound to 127.0.0.1
and reached by the guest as 10.0.2.2, the guest fetches a random image (16 MiB
by default) over HTTP, HTTPS (busybox wget does not verify certificates, and its
TLS needs SHA-1 handshake signatures, see servers.BUSYBOX_TLS_CIPHERS; test_servers.py
checks verification on the host), FTP (busybox ftpget, passive), TFTP (default
block size, blksize 1468, and against a server capped at 512) and NFSv4
(mount -t nfs4 ... ro), checks every sha1 in the guest and prints the
transfer times; and busybox wget's -c resumes a download the faulty HTTP
server cut.  Exit status: 0 pass, 1 fail, 77 when qemu-system-x86_64 or a
server binary is missing (netboot.run names it and its Debian package).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "qemu"))
import netboot  # noqa: E402
import qemuboot  # noqa: E402
import servers  # noqa: E402
from qemuboot import Qemu, TestFailure, note  # noqa: E402

IMAGE = "Demo-1.0.0.img"
MODULES = ("virtio_pci", "virtio_net", "nfsv4")
GUEST_TIMEOUT = 600        # hard limit of the whole QEMU run
STEP_TIMEOUT = 240         # one fetch under TCG
PROMPT = "guest# "

INIT = """#!/bin/busybox sh
# test_guest_fetch init: modules, DHCP on eth0, then a shell on the console.
export PATH=/bin
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /tmp /mnt
mount -t tmpfs tmpfs /tmp
for module in /modules/*.ko; do
    insmod "$module" || echo "GUEST-INSMOD-FAILED $module"
done
ip link set lo up
ip link set eth0 up
# No lease is a failure of the test (it gives up on this line), never a static address.
udhcpc -i eth0 -s /etc/udhcpc.sh -q -n -t 5 -T 2 || echo "GUEST-DHCP-FAILED"
echo "GUEST-NET-READY $(ip -4 -o addr show dev eth0 | sed 's/  */ /g')"
while :; do PS1='guest# ' sh -i; done
"""

UDHCPC_SCRIPT = """#!/bin/sh
# udhcpc event script: set the leased address and the default route.
case "$1" in
bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
    echo "GUEST-DHCP $interface $ip/${mask:-24} router ${router:-none}"
    ;;
esac
exit 0
"""

TIMED = """#!/bin/sh
# timed TAG FILE COMMAND...: run COMMAND, then report its status, FILE's sha1 and size,
# and the guest's uptime before and after COMMAND ("end" closes the line: a regex
# must not match a number the console has only half printed).
tag=$1 file=$2
shift 2
t0=$(cut -d' ' -f1 /proc/uptime)
"$@"
rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
sum=$(sha1sum "$file" 2>/dev/null | cut -d' ' -f1)
size=$(stat -c %s "$file" 2>/dev/null)
echo "GUEST-RESULT $tag rc=$rc sha1=${sum:-none} size=${size:-0} t0=$t0 t1=$t1 end"
"""


def add_arguments(parser):
    parser.add_argument("--kernel", type=Path, help="kernel (default: BUILD/kernel/vmlinuz)")
    parser.add_argument("--busybox", type=Path, default=Path("/bin/busybox"),
                        help="a static busybox (default: /bin/busybox)")
    parser.add_argument("--size-mib", type=int, default=16, help="image size in MiB (default 16)")


def module_files(ctx):
    """The .ko files MODULES need, in load order (modprobe --show-depends)."""
    kernel_dir = ctx.artifact("kernel")
    version = (kernel_dir / "version").read_text().strip()
    ordered = []
    for module in MODULES:
        lines = qemuboot.run_tool(["modprobe", "-d", kernel_dir, "-S", version,
                                   "--show-depends", module]).splitlines()
        for line in lines:
            words = line.split()
            if words[:1] == ["insmod"] and words[1] not in ordered:
                ordered.append(words[1])
    return ordered


def make_initramfs(ctx):
    root = ctx.workdir / "initramfs"
    for directory in ("bin", "dev", "proc", "sys", "etc", "modules", "tmp", "mnt"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    shutil.copy(ctx.args.busybox, root / "bin" / "busybox")
    modules = module_files(ctx)
    for index, path in enumerate(modules):
        shutil.copy(path, root / "modules" / f"{index:02d}-{Path(path).name}")
    note(f"initramfs modules: {' '.join(Path(p).stem for p in modules)}")
    for relative, text in (("init", INIT), ("etc/udhcpc.sh", UDHCPC_SCRIPT), ("bin/timed", TIMED)):
        (root / relative).write_text(text)
        (root / relative).chmod(0o755)
    archive = ctx.workdir / "initramfs.cpio"
    names = subprocess.run(["find", "."], cwd=root, check=True, stdout=subprocess.PIPE).stdout
    with open(archive, "wb") as out:
        subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0"], cwd=root,
                       input=names, stdout=out, check=True)
    subprocess.run(["gzip", "-f", "-9", archive], check=True)
    gz = archive.with_suffix(".cpio.gz")
    note(f"initramfs {gz}: {gz.stat().st_size} bytes")
    return gz


class Guest:
    """The shell in the guest: run a command, wait for its GUEST-RESULT line."""

    def __init__(self, q, size, sha1):
        self.q = q
        self.size = size
        self.sha1 = sha1
        self.timings = []

    def run(self, command, timeout=60):
        """Type `command`; wait for its exit status; return it."""
        self.q.send(f"{command}; echo GUEST-DONE-$?-")
        return int(self.q.expect(r"GUEST-DONE-(\d+)-", timeout).group(1))

    def timed(self, tag, file, command, *, expect_ok=True, size=None, sha1=None):
        self.q.send(f"timed {tag} {file} {command}")
        match = self.q.expect(rf"GUEST-RESULT {re.escape(tag)} rc=(\d+) sha1=(\S+) size=(\d+) "
                              r"t0=([\d.]+) t1=([\d.]+) end", STEP_TIMEOUT)
        rc, got_sha1, got_size = int(match.group(1)), match.group(2), int(match.group(3))
        seconds = float(match.group(5)) - float(match.group(4))
        if expect_ok:
            size, sha1 = self.size, self.sha1
            if rc != 0:
                self.q.fail(f"{tag}: `{command}` exited with {rc}")
        if (size is not None and got_size != size) or (sha1 is not None and got_sha1 != sha1):
            self.q.fail(f"{tag}: got {got_size} bytes sha1 {got_sha1}, expected {size} bytes "
                        f"sha1 {sha1}")
        rate = got_size / seconds / (1 << 20) if seconds > 0 else float("inf")
        self.timings.append((tag, got_size, seconds, rate, got_sha1, rc))
        note(f"GUEST {tag}: rc={rc} {got_size} bytes sha1 {got_sha1} in {seconds:.2f} s "
             f"({rate:.1f} MiB/s)")
        return rc


def fetch_all(ctx, guest, served):
    net = ctx.workdir / "servers"
    with servers.Nginx(served, net / "http") as http:
        guest.timed("http", "/tmp/f", f"wget -q -O /tmp/f {http.url}{IMAGE}")
        guest.run("rm -f /tmp/f")
        guest.timed("http-resume", "/tmp/f",
                    f"sh -c 'head -c 1048576 /tmp/g >/tmp/f; wget -q -c -O /tmp/f {http.url}{IMAGE}'")
        guest.run("rm -f /tmp/f")
    with servers.Nginx(served, net / "https", tls=True,
                       ssl_ciphers=servers.BUSYBOX_TLS_CIPHERS) as https:
        guest.timed("https", "/tmp/f",
                    f"wget -q --no-check-certificate -O /tmp/f {https.url}{IMAGE}")
        guest.run("rm -f /tmp/f")
        note(f"https access log: {https.log.read_text().strip()}")
    with servers.Vsftpd(served, net / "ftp") as ftp:
        guest.timed("ftp", "/tmp/f", f"ftpget -P {ftp.port} 10.0.2.2 /tmp/f {IMAGE}")
        guest.run("rm -f /tmp/f")
        guest.timed("ftp-wget", "/tmp/f", f"wget -q -O /tmp/f {ftp.url}{IMAGE}")
        guest.run("rm -f /tmp/f")
    with servers.Tftpd(served, net / "tftp") as tftp:
        guest.timed("tftp-blksize-1468", "/tmp/f",
                    f"tftp -g -r {IMAGE} -l /tmp/f -b 1468 10.0.2.2 {tftp.port}")
        guest.run("rm -f /tmp/f")
        guest.timed("tftp-blksize-512", "/tmp/f",
                    f"tftp -g -r {IMAGE} -l /tmp/f 10.0.2.2 {tftp.port}")
        guest.run("rm -f /tmp/f")
    with servers.Tftpd(served, net / "tftp-cap", extra_args=("--blocksize", "512")) as tftp:
        guest.timed("tftp-ask-1468-capped-512", "/tmp/f",
                    f"tftp -g -r {IMAGE} -l /tmp/f -b 1468 10.0.2.2 {tftp.port}")
        guest.run("rm -f /tmp/f")
    for isolate in (False, True):
        tag = "nfs-isolated" if isolate else "nfs"
        with servers.Ganesha(served, net / tag, isolate=isolate) as nfs:
            if guest.run(nfs.mount_command("/mnt")) != 0:
                guest.q.fail(f"{tag}: mount failed")
            guest.timed(tag, "/tmp/f", f"cp /mnt/{IMAGE} /tmp/f")   # first read: not cached
            guest.run("rm -f /tmp/f")
            if guest.run("ls -l /mnt; grep ' /mnt ' /proc/mounts; umount /mnt") != 0:
                guest.q.fail(f"{tag}: umount /mnt failed")
            # Mounted read-write, the export itself must still refuse writes.
            if guest.run(nfs.mount_command("/mnt", read_only=False)) != 0:
                guest.q.fail(f"{tag}: read-write mount failed")
            if guest.run("touch /mnt/written-by-guest") == 0 or \
                    (served / "written-by-guest").exists():
                guest.q.fail(f"{tag}: the export accepted a write")
            guest.run("umount /mnt")
    with servers.FaultyHttp(served, net / "faulty", cut_after=1 << 20, pattern="*.img") as faulty:
        guest.timed("faulty-cut", "/tmp/f", f"wget -q -O /tmp/f {faulty.url}{IMAGE}",
                    expect_ok=False, size=1 << 20)
        guest.timed("faulty-resume", "/tmp/f", f"wget -q -c -O /tmp/f {faulty.url}{IMAGE}")
        guest.run("rm -f /tmp/f")
        lines = faulty.requests()
        note("faulty-http log:\n    " + "\n    ".join(lines))
        if not any("sent=1048576 CUT" in line for line in lines) or \
                not any('range="bytes=1048576-" 206' in line for line in lines):
            raise TestFailure("faulty-http log lacks the cut or the resumed Range request")


def main(ctx):
    kernel = ctx.args.kernel or ctx.artifact("kernel/vmlinuz")
    initrd = make_initramfs(ctx)
    served = ctx.workdir / "served"
    served.mkdir(mode=0o700)
    image = served / IMAGE
    image.write_bytes(os.urandom(ctx.args.size_mib << 20))
    sha1 = qemuboot.sha1_of(image)
    note(f"{IMAGE}: {image.stat().st_size} bytes, sha1 {sha1}")
    # The resume check starts from the image's first MiB, put in the guest as /tmp/g.
    with Qemu(ctx.workdir / "guest.log", kernel=kernel, initrd=initrd,
              append="console=ttyS0 rdinit=/init quiet", hard_timeout=GUEST_TIMEOUT,
              net=True, give_up_on=(r"Kernel panic", r"GUEST-INSMOD-FAILED", r"GUEST-DHCP-FAILED")) as q:
        # The address comes from the lease (the udhcpc script's line), then eth0 has it.
        q.expect(r"GUEST-DHCP eth0 10\.0\.2\.15/24 router 10\.0\.2\.2\n", 180)
        q.expect(r"GUEST-NET-READY [^\n]*inet 10\.0\.2\.15/24", 60)
        q.expect(re.escape(PROMPT), 60)
        guest = Guest(q, image.stat().st_size, sha1)
        with servers.Nginx(served, ctx.workdir / "servers" / "seed") as seed:
            guest.timed("seed", "/tmp/g", f"wget -q -O /tmp/g {seed.url}{IMAGE}")
        fetch_all(ctx, guest, served)
        q.send("poweroff -f")
        qemuboot.expect_clean_exit(q)
    print("\nprotocol                      bytes   seconds    MiB/s  sha1")
    for tag, size, seconds, rate, got_sha1, rc in guest.timings:
        print(f"{tag:26} {size:9d} {seconds:9.2f} {rate:8.1f}  {got_sha1}"
              f"{'' if rc == 0 else f'  (exit {rc})'}")


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx", "vsftpd", "tftpd", "ganesha", "openssl"),
                         add_arguments=add_arguments))
