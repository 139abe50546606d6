#!/usr/bin/env python3
"""Self-test of the network fixtures in servers.py, checked from the host with curl.

Starts each server on a fresh directory holding a random 3 MiB image and
checks: HTTP get + resume (Range in the access log); HTTPS trusted with the
test CA (curl --cacert, openssl s_client) and refused with another CA both
ways round; FTP LIST, NLST, get and resume (REST in the log); TFTP with the
default block size, with blksize 1468 (OACK checked) and with a server capped
at 512; nfs-ganesha answers an NFSv4 NULL call and logged the export, both
run plainly and isolated in its own network namespace (the host kernel has no
NFS client; test_guest_fetch.py mounts it from a QEMU guest); the faulty HTTP
server cuts the first GET and curl -C - --retry resumes it; a server stops by
itself at the end of its lifetime and when the `with` block raises.

Exit status: 0 pass, 1 fail, 77 when a server binary is missing (and
nothing failed).  Options: --workdir DIR keeps the scratch files; --only
KIND[,KIND] runs some sections (http,https,ftp,tftp,nfs,faulty,life).
"""

import argparse
import hashlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import servers  # noqa: E402
from servers import LOCAL_HOST, MissingBinary  # noqa: E402

IMAGE = "Demo-1.0.0.img"
IMAGE_SIZE = 3 << 20
PARTIAL = 1 << 20
CURL_TIMEOUT = 60
_START = time.monotonic()


class CheckFailed(Exception):
    pass


def note(message):
    print(f"[{time.monotonic() - _START:6.1f}s] {message}", flush=True)


def sha1_of(path):
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def curl(*args, expect_status=0):
    """Run curl; return (status, stdout); fail unless the status is `expect_status`."""
    argv = ["curl", "-sS", "--noproxy", "*", "--max-time", str(CURL_TIMEOUT), *map(str, args)]
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    stderr = result.stderr.decode(errors="replace").strip()
    stderr = stderr.splitlines()[0] if stderr else ""
    if expect_status is not None and result.returncode != expect_status:
        raise CheckFailed(f"{' '.join(argv)}: exit {result.returncode}, expected {expect_status}"
                          f"{': ' + stderr if stderr else ''}")
    return result.returncode, result.stdout.decode(errors="replace"), stderr


def check(condition, message):
    if not condition:
        raise CheckFailed(message)
    note(f"  ok: {message}")


def fetch_and_compare(ctx, url, name, *curl_args):
    out = ctx.scratch / name
    if out.exists():
        out.unlink()
    started = time.monotonic()
    curl(*curl_args, "-o", out, url)
    took = time.monotonic() - started
    check(sha1_of(out) == ctx.sha1, f"{url} {' '.join(map(str, curl_args))}: sha1 {ctx.sha1} "
                                    f"({out.stat().st_size} bytes, {took:.2f} s)")


def resume(ctx, url, name, *curl_args):
    """Download the first PARTIAL bytes, then the rest with curl -C -."""
    out = ctx.scratch / name
    out.write_bytes(ctx.image.read_bytes()[:PARTIAL])
    curl(*curl_args, "-C", "-", "-o", out, url)
    check(sha1_of(out) == ctx.sha1, f"{url}: resumed from {PARTIAL}, sha1 matches")


# --- sections ---------------------------------------------------------------------------

def section_http(ctx):
    with servers.Nginx(ctx.root, ctx.work / "http") as http:
        check(http.url == f"http://10.0.2.2:{http.port}/", f"guest url {http.url}")
        fetch_and_compare(ctx, http.host_url + IMAGE, "http.img")
        resume(ctx, http.host_url + IMAGE, "http-resume.img")
        code = curl("-o", "/dev/null", "-w", "%{http_code}", http.host_url)[1]
        check(code == "403", f"autoindex off: GET / answers {code}")
        log = http.log.read_text()
        check(f'"GET /{IMAGE} HTTP/1.1" range="bytes={PARTIAL}-" 206 {IMAGE_SIZE - PARTIAL}' in log,
              "access log shows the resumed request (Range, 206, rest of the file)")


def section_https(ctx):
    with servers.Nginx(ctx.root, ctx.work / "https", tls=True) as https, \
            servers.Nginx(ctx.root, ctx.work / "https-untrusted", untrusted=True) as other:
        url = https.host_url + IMAGE
        fetch_and_compare(ctx, url, "https.img", "--cacert", https.ca_cert)
        fetch_and_compare(ctx, https.url.replace("10.0.2.2", "127.0.0.1") + IMAGE,
                          "https-ip.img", "--cacert", https.ca_cert)
        _, _, err = curl("-o", "/dev/null", url, expect_status=60)
        check("certificate" in err, f"system CAs only: refused ({err})")
        _, _, err = curl("--cacert", other.ca_cert, "-o", "/dev/null", url, expect_status=60)
        check("certificate" in err, f"another test CA: refused ({err})")
        other_url = other.host_url + IMAGE
        _, _, err = curl("--cacert", other.ca_cert, "-o", "/dev/null", other_url, expect_status=60)
        check("certificate" in err, f"untrusted server with its .ca_cert: refused ({err})")
        fetch_and_compare(ctx, other_url, "https-issuer.img", "--cacert", other.issuer_cert)
        san = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName",
                              "-in", https.server_cert], stdout=subprocess.PIPE, text=True).stdout
        check("IP Address:10.0.2.2" in san and "IP Address:127.0.0.1" in san,
              f"server certificate names {' '.join(san.split()[2:])}")
        for server, trusted in ((https, True), (other, False)):
            result = subprocess.run(["openssl", "s_client", "-connect", f"{LOCAL_HOST}:{server.port}",
                                     "-CAfile", https.ca_cert, "-servername", LOCAL_HOST],
                                    input=b"", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    timeout=30)
            text = result.stdout.decode(errors="replace")
            verdict = next((line.strip() for line in text.splitlines()
                            if "Verify return code" in line), "no verify result")
            protocol = next((line.split()[-1] for line in text.splitlines()
                             if line.startswith("New, ")), "?")
            check(("return code: 0 (ok)" in verdict) == trusted,
                  f"openssl s_client -CAfile .ca_cert to the {'' if trusted else 'un'}trusted "
                  f"server: {protocol}, {verdict}")


def section_ftp(ctx):
    with servers.Vsftpd(ctx.root, ctx.work / "ftp") as ftp:
        check(ftp.url == f"ftp://10.0.2.2:{ftp.port}/", f"guest url {ftp.url}, passive ports "
                                                        f"{ftp.pasv_ports.start}-{ftp.pasv_ports.stop - 1}")
        listing = curl(ftp.host_url)[1]
        check(IMAGE in listing and str(IMAGE_SIZE) in listing, f"LIST: {listing.strip()}")
        names = curl("--list-only", ftp.host_url)[1].split()
        check(IMAGE in names, f"NLST: {' '.join(names)}")
        fetch_and_compare(ctx, ftp.host_url + IMAGE, "ftp.img")
        fetch_and_compare(ctx, ftp.host_url + IMAGE, "ftp-pasv.img", "--disable-epsv")
        resume(ctx, ftp.host_url + IMAGE, "ftp-resume.img")
        log = ftp.log.read_text()
        check(f'"REST {PARTIAL}"' in log and '"350 Restart position accepted' in log,
              f"vsftpd log shows REST {PARTIAL} accepted")
        _, _, err = curl("-T", ctx.image, ftp.host_url + "upload.img", expect_status=25)
        check(not (ctx.root / "upload.img").exists(), f"upload refused (read-only): {err}")


def tftp_options(port, filename, options):
    """Send an RRQ with `options`; return the OACK's options (dict), then abort the transfer."""
    request = b"\x00\x01" + filename.encode() + b"\x00octet\x00"
    for key, value in options.items():
        request += f"{key}\x00{value}\x00".encode()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(request, (LOCAL_HOST, port))
        reply, peer = sock.recvfrom(65536)
        sock.sendto(b"\x00\x05\x00\x00aborted by test\x00", peer)
    if reply[:2] != b"\x00\x06":
        raise CheckFailed(f"tftp: expected an OACK, got {reply[:40]!r}")
    fields = reply[2:].split(b"\x00")[:-1]
    return {fields[i].decode(): fields[i + 1].decode() for i in range(0, len(fields) - 1, 2)}


def section_tftp(ctx):
    with servers.Tftpd(ctx.root, ctx.work / "tftp") as tftp:
        check(tftp.url == f"tftp://10.0.2.2:{tftp.port}/", f"guest url {tftp.url}")
        fetch_and_compare(ctx, tftp.host_url + IMAGE, "tftp.img")
        fetch_and_compare(ctx, tftp.host_url + IMAGE, "tftp-1468.img", "--tftp-blksize", "1468")
        oack = tftp_options(tftp.port, IMAGE, {"blksize": 1468, "tsize": 0})
        check(oack == {"blksize": "1468", "tsize": str(IMAGE_SIZE)}, f"OACK {oack}")
        curl("-o", "/dev/null", tftp.host_url + "missing.img", expect_status=68)
        note("  ok: a missing file is TFTP error 1 (curl exit 68)")
    with servers.Tftpd(ctx.root, ctx.work / "tftp-512", extra_args=("--blocksize", "512")) as tftp:
        oack = tftp_options(tftp.port, IMAGE, {"blksize": 1468})
        check(oack == {"blksize": "512"}, f"--blocksize 512 server: OACK {oack}")
        fetch_and_compare(ctx, tftp.host_url + IMAGE, "tftp-512.img", "--tftp-blksize", "1468")


def nfs_null_call(port):
    """Send an NFSv4 NULL RPC over TCP; return whether it was accepted with success."""
    xid = 0x686f70   # "hop"
    call = struct.pack(">6I", xid, 0, 2, 100003, 4, 0) + struct.pack(">4I", 0, 0, 0, 0)
    with socket.create_connection((LOCAL_HOST, port), timeout=10) as sock:
        sock.sendall(struct.pack(">I", 0x80000000 | len(call)) + call)
        reply = sock.recv(64)
    # record mark, xid, REPLY(1), MSG_ACCEPTED(0), verifier AUTH_NONE(0, 0), SUCCESS(0)
    return reply[4:] == struct.pack(">6I", xid, 1, 0, 0, 0, 0)


def section_nfs(ctx):
    for isolate in ("auto", True):
        started = time.monotonic()
        with servers.Ganesha(ctx.root, ctx.work / f"nfs-{isolate}", isolate=isolate) as nfs:
            took = time.monotonic() - started
            check(nfs_null_call(nfs.port), f"isolate={isolate!r} (isolated: {nfs.isolated}): "
                                           f"NFSv4 NULL call on port {nfs.port} answered "
                                           f"(ready after {took:.1f} s)")
            check(nfs.export_created(), f"log shows export {nfs.pseudo} of {ctx.root}")
            check(nfs.url == f"nfs://10.0.2.2:{nfs.port}/export/", f"guest url {nfs.url}")
    note(f"  guest mount: {nfs.mount_command()}")


def section_faulty(ctx):
    with servers.FaultyHttp(ctx.root, ctx.work / "faulty", cut_after=PARTIAL,
                            pattern="*.img") as faulty:
        url = faulty.host_url + IMAGE
        out = ctx.scratch / "faulty.img"
        _, _, err = curl("-o", out, url, expect_status=18)
        check(out.stat().st_size == PARTIAL, f"first GET cut: {out.stat().st_size} bytes ({err})")
        # curl --retry would restart from the offset it started at, not where
        # the cut left the file: the resume is a second run with -C -.
        curl("-C", "-", "--retry", "3", "--retry-delay", "1", "--retry-all-errors", "-o", out, url)
        check(sha1_of(out) == ctx.sha1, "curl -C - resumed: complete file, sha1 matches")
        lines = faulty.requests()
        note("  log:\n    " + "\n    ".join(lines))
        check(any(f"GET /{IMAGE}" in line and f"sent={PARTIAL} CUT" in line for line in lines),
              f"first GET cut after {PARTIAL} bytes")
        check(any(f'range="bytes={PARTIAL}-" 206' in line and "CUT" not in line
                  for line in lines),
              f"then resumed with Range: bytes={PARTIAL}- and served in full")
        fetch_and_compare(ctx, url, "faulty-again.img")
    with servers.FaultyHttp(ctx.root, ctx.work / "faulty-max", max_requests=2) as faulty:
        for _ in range(2):
            curl("-o", "/dev/null", "-r", "0-99", faulty.host_url + IMAGE)
        deadline = time.monotonic() + 5
        while faulty.running and time.monotonic() < deadline:
            time.sleep(0.1)
        check(not faulty.running, "faulty server stops by itself after max_requests (2)")


def section_life(ctx):
    started = time.monotonic()
    with servers.Nginx(ctx.root, ctx.work / "life", lifetime=3) as http:
        while http.running and time.monotonic() - started < 15:
            time.sleep(0.2)
        check(not http.running and not servers.tcp_accepts(http.port),
              f"lifetime 3 s: nginx gone after {time.monotonic() - started:.1f} s")
    server = servers.Tftpd(ctx.root, ctx.work / "raise")
    try:
        with server:
            group = server.pid
            raise RuntimeError("test body fails")
    except RuntimeError:
        pass
    try:
        os.killpg(group, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    check(not alive and not server.running, "exception in the with block: process group reaped")


SECTIONS = {"http": section_http, "https": section_https, "ftp": section_ftp,
            "tftp": section_tftp, "nfs": section_nfs, "faulty": section_faulty,
            "life": section_life}


class Context:
    def __init__(self, workdir):
        self.work = workdir
        self.root = workdir / "served"
        self.scratch = workdir / "downloads"
        self.root.mkdir(mode=0o700)
        self.scratch.mkdir()
        self.image = self.root / IMAGE
        self.image.write_bytes(os.urandom(IMAGE_SIZE))
        self.sha1 = sha1_of(self.image)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, help="scratch directory (kept)")
    parser.add_argument("--only", help="comma-separated sections: " + ",".join(SECTIONS))
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    for tool in ("curl", "openssl"):
        if shutil.which(tool) is None:
            print(f"FAIL: test_servers: {tool} not found (install it on the test host)")
            return servers.EXIT_FAIL
    if args.workdir:
        workdir = args.workdir.resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix="run-", dir=workdir))
    else:
        workdir = Path(tempfile.mkdtemp(prefix="hopboot-test_servers-"))
    ctx = Context(workdir)
    note(f"workdir {workdir}, {IMAGE}: {IMAGE_SIZE} bytes, sha1 {ctx.sha1}")

    failed, missing = [], []
    for name in chosen:
        note(f"{name}:")
        try:
            SECTIONS[name](ctx)
        except MissingBinary as error:
            note(f"  SKIP {name}: {error}")
            missing.append(error.package)
        except (CheckFailed, servers.ServerError) as error:
            note(f"  FAIL {name}: {error}")
            failed.append(name)
        except Exception:
            traceback.print_exc()
            failed.append(name)
    servers._stop_all_live()

    if failed:
        print(f"FAIL: test_servers: {', '.join(failed)} (workdir kept: {workdir})", flush=True)
        return servers.EXIT_FAIL
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    if missing:
        print(f"SKIP: test_servers: missing packages: {' '.join(missing)}", flush=True)
        return servers.EXIT_SKIP
    print("PASS: test_servers", flush=True)
    return servers.EXIT_PASS


if __name__ == "__main__":
    sys.exit(main())
