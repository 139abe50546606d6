#!/usr/bin/env python3
"""Network servers for hopboot's fetch tests (stdlib only).

Each server is a context manager that serves a directory DIR over one
protocol, bound to 127.0.0.1 only, from a child process of the test whose
config, logs and scratch files live in a work directory WORK:

    import servers

    with servers.Nginx(images_dir, work / "http") as http:
        ...  # the guest fetches http.url + "Demo-1.0.0.img"
        assert "200" in http.log.read_text()

    Nginx(dir, work, tls=False, ca=None, untrusted=False)   HTTP / HTTPS (nginx)
    Vsftpd(dir, work)                                       anonymous read-only FTP
    Tftpd(dir, work, extra_args=())                         TFTP (tftpd-hpa)
    Ganesha(dir, work, pseudo="/export")                    NFSv4 read-only (nfs-ganesha)
    FaultyHttp(dir, work=None, cut_after=N, pattern="*")    HTTP that drops the first GET

Every server exposes:
    .port       the port it listens on (picked free unless port= is given)
    .url        base URL as the QEMU guest sees it (10.0.2.2), ending in "/"
    .host_url   the same on 127.0.0.1, for checks from the host
    .log        its log file (requests where the daemon logs them)
    .console    the daemon's captured stdout + stderr
    .work       its work directory (config, pid file, temp paths)

Bounds: a server lives at most `lifetime` seconds (default 600).  The
watchdog is coreutils `timeout`, the server's direct parent: it kills the
server's whole process group when the lifetime ends, and it gets SIGTERM
(PR_SET_PDEATHSIG) when the test process dies, even by SIGKILL, which it
passes on to the group.  Leaving the `with` block (normally, by an exception
or by a signal turned into one) stops the group and reaps it; an atexit hook
stops whatever is still running.  Start servers from the main thread (or a
thread that outlives them): the death signal follows the thread that forked.

Nothing system-wide is touched: no service units, no /etc edits; pid files,
temp paths, TLS material, NFS recovery and credential-cache directories all
live in WORK.  A missing daemon raises MissingBinary naming its Debian
package (tests turn it into exit status 77).

The guest reaches the host's 127.0.0.1 as 10.0.2.2 through QEMU user
networking (qemuboot.Qemu(..., net=True)).

Command line, for manual use (stops after --lifetime seconds or Ctrl-C):
    python3 servers.py {http,https,https-untrusted,ftp,tftp,nfs,faulty-http} DIR
"""

import argparse
import atexit
import ctypes
import fnmatch
import http.server
import os
import pwd
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

GUEST_HOST = "10.0.2.2"        # the host as a QEMU user-networking guest sees it
GUEST_ADDRESS = "10.0.2.15"    # the guest's own address under QEMU user networking
LOCAL_HOST = "127.0.0.1"
DEFAULT_LIFETIME = 600         # seconds a server may live, whatever the test does
READY_TIMEOUT = 30             # seconds a server may take to start serving
STOP_GRACE = 5                 # seconds between SIGTERM and SIGKILL on stop
PORT_RANGE = (20000, 32000)    # below Linux's ephemeral range (32768-60999)
GANESHA_PORT = 20490

# busybox wget's own TLS sends no signature_algorithms extension, so the server
# must sign with SHA-1, which OpenSSL 3 refuses above security level 0.  For
# guest-side checks with busybox only; libcurl needs nothing of the kind.
BUSYBOX_TLS_CIPHERS = '"DEFAULT:@SECLEVEL=0"'

EXIT_PASS, EXIT_FAIL, EXIT_SKIP = 0, 1, 77


class ServerError(Exception):
    """A server could not be started or died; the message holds its log tail."""


class MissingBinary(ServerError):
    """The daemon is not installed; `.package` names the Debian package."""

    def __init__(self, binary, package):
        super().__init__(f"{binary}: not found (install the Debian package {package})")
        self.binary = binary
        self.package = package


# --- processes -----------------------------------------------------------------

try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None

_live_servers = set()


def _term_with_parent():
    # Runs in the child between fork and exec (the `timeout` watchdog): it gets
    # SIGTERM when the test dies and passes it on to the server's process group.
    if _prctl is not None:
        _prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG


def _stop_all_live():
    for server in list(_live_servers):
        server.stop()


atexit.register(_stop_all_live)


def _tail(path, lines=20):
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _find_binary(name, package):
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin:/bin")
    if path is None:
        raise MissingBinary(name, package)
    return path


# --- ports -----------------------------------------------------------------------

def port_is_free(port, kind="tcp"):
    """Whether `port` can be bound on 127.0.0.1 (kind "tcp" or "udp")."""
    sock_type = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, sock_type) as sock:
        try:
            sock.bind((LOCAL_HOST, port))
        except OSError:
            return False
    return True


def pick_ports(count=1, kind="tcp"):
    """First of `count` consecutive free ports on 127.0.0.1, chosen at random.

    Taken below the ephemeral range so that outgoing connections do not grab
    them between this check and the daemon's bind (a start that still loses
    the race is retried with other ports).
    """
    low, high = PORT_RANGE
    for _ in range(500):
        base = random.randrange(low, high - count)
        if all(port_is_free(port, kind) for port in range(base, base + count)):
            return base
    raise ServerError(f"no {count} consecutive free {kind} ports in {low}-{high}")


def tcp_accepts(port, host=LOCAL_HOST, timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# --- the common life cycle ---------------------------------------------------------

class Server:
    """Base class: one daemon in its own process group under a `timeout` watchdog.

    Subclasses set name/binary/package/scheme/port_kind and implement
    _prepare() (write config; return argv) and _ready() (serving yet?).
    """

    name = "server"
    binary = None
    package = None
    scheme = "tcp"
    port_kind = "tcp"
    _bind_failure = re.compile(r"in use|could not bind|cannot bind|bind\(\) to", re.I)

    def __init__(self, directory, work, *, port=None, lifetime=DEFAULT_LIFETIME,
                 ready_timeout=READY_TIMEOUT):
        self.dir = Path(directory).resolve()
        self.work = Path(work).resolve()
        self.requested_port = port
        self.port = port
        self.lifetime = lifetime
        self.ready_timeout = ready_timeout
        self.console = self.work / f"{self.name}.console"
        self.log = self.work / f"{self.name}.log"
        self._proc = None
        self._console_file = None
        self.started_at = None

    # URLs

    @property
    def url(self):
        return f"{self.scheme}://{GUEST_HOST}:{self.port}/"

    @property
    def host_url(self):
        return f"{self.scheme}://{LOCAL_HOST}:{self.port}/"

    # life cycle

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        self.stop()
        return False

    def start(self):
        """Start the daemon and wait until it serves; return self or raise ServerError."""
        if self._proc is not None:
            raise ServerError(f"{self.name}: already started")
        self._check_binary()
        if not self.dir.is_dir():
            raise ServerError(f"{self.name}: {self.dir}: not a directory")
        self.work.mkdir(parents=True, exist_ok=True)
        attempts = 3 if self.requested_port is None else 1
        for attempt in range(1, attempts + 1):
            if self.requested_port is None:
                self.port = self._pick_port()
            try:
                self._spawn(self._prepare())
                self._wait_ready()
                return self
            except ServerError as error:
                self.stop()
                if attempt == attempts or not self._bind_failure.search(str(error)):
                    raise
        return self

    def stop(self):
        """Stop the daemon's process group and reap it.  Idempotent."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                proc.wait()
        self._reap_group()
        if self._console_file is not None and not self._console_file.closed:
            self._console_file.close()
        _live_servers.discard(self)
        self._proc = None

    @property
    def running(self):
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self):
        """The watchdog's pid, which is also the server's process group id."""
        return None if self._proc is None else self._proc.pid

    def uptime(self):
        return 0.0 if self.started_at is None else time.monotonic() - self.started_at

    # for subclasses

    def _check_binary(self):
        self.binary_path = _find_binary(self.binary, self.package)

    def _pick_port(self):
        return pick_ports(1, self.port_kind)

    def _prepare(self):
        raise NotImplementedError

    def _ready(self):
        return tcp_accepts(self.port)

    def _environment(self):
        return dict(os.environ, TMPDIR=str(self.work))

    # helpers

    def _spawn(self, argv):
        watchdog = [shutil.which("timeout") or "/usr/bin/timeout",
                    f"--kill-after={STOP_GRACE}", str(self.lifetime)]
        self._console_file = open(self.console, "ab")
        self._proc = subprocess.Popen(watchdog + [str(arg) for arg in argv], cwd=self.work,
                                      env=self._environment(), stdin=subprocess.DEVNULL,
                                      stdout=self._console_file, stderr=subprocess.STDOUT,
                                      start_new_session=True, preexec_fn=_term_with_parent)
        self.started_at = time.monotonic()
        _live_servers.add(self)

    def _signal_group(self, signum):
        try:
            os.killpg(self._proc.pid, signum)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def _reap_group(self):
        # Connection children (vsftpd sessions, tftpd transfers) may outlive the
        # daemon, orphaned to init: kill them until the group is empty.  A group
        # id is not reused while one of its members, even a zombie, exists.
        deadline = time.monotonic() + STOP_GRACE
        while self._signal_group(signal.SIGKILL) and time.monotonic() < deadline:
            time.sleep(0.05)

    def _wait_ready(self):
        deadline = time.monotonic() + self.ready_timeout
        while True:
            if self._proc.poll() is not None:
                self._fail(f"exited with status {self._proc.returncode} before serving")
            if self._ready():
                return
            if time.monotonic() > deadline:
                self._fail(f"not serving on port {self.port} after {self.ready_timeout} s")
            time.sleep(0.1)

    def _fail(self, message):
        parts = [f"{self.name} on 127.0.0.1:{self.port}: {message}"]
        for label, path in (("console", self.console), ("log", self.log)):
            text = _tail(path)
            if text:
                parts += [f"--- {label} {path} ---", text]
        raise ServerError("\n".join(parts))

    def _write(self, filename, text):
        path = self.work / filename
        path.write_text(text)
        return path


# --- TLS material -------------------------------------------------------------------

def _openssl(*args, cwd):
    openssl = _find_binary("openssl", "openssl")
    result = subprocess.run([openssl, *[str(a) for a in args]], cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise ServerError(f"openssl {' '.join(str(a) for a in args)} failed:\n"
                          f"{result.stdout.decode(errors='replace')}")


class TestCA:
    """A throw-away certificate authority made with the openssl command.

    .cert is the CA certificate (PEM) a client trusts, .key its private key.
    issue() signs server certificates valid for GUEST_HOST and LOCAL_HOST.
    """

    __test__ = False   # not a pytest test class despite the name

    def __init__(self, directory, name="hopboot test CA", days=7):
        self.dir = Path(directory).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.cert = self.dir / "ca.crt"
        self.key = self.dir / "ca.key"
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
                 "-keyout", self.key, "-out", self.cert, "-days", days, "-subj", f"/CN={name}",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=self.dir)

    def issue(self, directory, name="server", ips=(GUEST_HOST, LOCAL_HOST), dns=("localhost",),
              days=7):
        """Write NAME.crt and NAME.key in `directory`; return both paths.

        NAME.crt is the leaf alone, as a server presents it: the client needs
        the CA certificate to verify it.
        """
        directory = Path(directory).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        key, csr = directory / f"{name}.key", directory / f"{name}.csr"
        cert = directory / f"{name}.crt"
        alt_names = ",".join([f"IP:{ip}" for ip in ips] + [f"DNS:{d}" for d in dns])
        extensions = directory / f"{name}.ext"
        extensions.write_text(f"subjectAltName={alt_names}\nbasicConstraints=CA:FALSE\n"
                              "keyUsage=critical,digitalSignature,keyEncipherment\n"
                              "extendedKeyUsage=serverAuth\n")
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-sha256", "-keyout", key, "-out", csr,
                 "-subj", f"/CN={ips[0] if ips else dns[0]}", cwd=directory)
        _openssl("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key,
                 "-set_serial", str(random.getrandbits(63)), "-sha256", "-days", days,
                 "-extfile", extensions, "-out", cert, cwd=directory)
        return cert, key


# --- nginx: HTTP and HTTPS --------------------------------------------------------------

class Nginx(Server):
    """nginx serving DIR over HTTP, or HTTPS with tls=True.

    tls=True: a test CA (or `ca`, a TestCA to share between servers) signs a
    certificate for 10.0.2.2 and 127.0.0.1; .ca_cert is the CA file clients
    trust.  untrusted=True: the certificate is signed by a second, unrelated
    CA instead (.issuer_cert), so a client trusting only .ca_cert must refuse.
    Range requests work (nginx default), autoindex is off.  .log is the access
    log, one line per request with its Range header:
        127.0.0.1 "GET /f HTTP/1.1" range="bytes=100-" 206 3145628
    (TLS servers add the protocol and cipher.)  .error_log is nginx's error
    log.  ssl_ciphers= sets nginx's ssl_ciphers, e.g. BUSYBOX_TLS_CIPHERS.
    limit_rate= ("2m": bytes per second) slows every response down, for transfers
    long enough to watch.  redirect_to= ("http://10.0.2.2:PORT") answers every request
    with a 302 to that base URL plus the request's path.
    Single-process mode (master_process off) keeps one process to stop and
    reads DIR as the user running the test.
    """

    name = "nginx"
    binary = "nginx"
    package = "nginx"

    def __init__(self, directory, work, *, tls=False, ca=None, untrusted=False, ssl_ciphers=None,
                 limit_rate=None, redirect_to=None, **kwargs):
        super().__init__(directory, work, **kwargs)
        self.limit_rate = limit_rate
        self.redirect_to = redirect_to
        self.tls = tls or untrusted
        self.ssl_ciphers = ssl_ciphers
        self.untrusted = untrusted
        self.ca = ca
        self.ca_cert = None
        self.issuer_cert = None
        self.server_cert = None
        self.server_key = None
        self.log = self.work / "access.log"
        self.error_log = self.work / "error.log"
        self.pid_file = self.work / "nginx.pid"

    @property
    def scheme(self):
        return "https" if self.tls else "http"

    def _make_certificates(self):
        if self.server_cert is not None:
            return
        if self.ca is None:
            self.ca = TestCA(self.work / "ca", "hopboot test CA")
        self.ca_cert = self.ca.cert
        issuer = self.ca
        if self.untrusted:
            issuer = TestCA(self.work / "other-ca", "hopboot untrusted CA")
        self.issuer_cert = issuer.cert
        self.server_cert, self.server_key = issuer.issue(self.work / "tls")

    def _prepare(self):
        temp = self.work / "temp"
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (temp / sub).mkdir(parents=True, exist_ok=True)
        tls_lines = ""
        if self.tls:
            self._make_certificates()
            tls_lines = (f"        ssl_certificate {self.server_cert};\n"
                         f"        ssl_certificate_key {self.server_key};\n"
                         "        ssl_protocols TLSv1.2 TLSv1.3;\n")
            if self.ssl_ciphers:
                tls_lines += f"        ssl_ciphers {self.ssl_ciphers};\n"
        config = self._write("nginx.conf", f"""\
# nginx for a hopboot test: generated by servers.py, runs in the foreground
master_process off;
pid {self.pid_file};
lock_file {self.work / "nginx.lock"};
error_log {self.error_log} info;
events {{
    worker_connections 64;
}}
http {{
    types {{ }}
    default_type application/octet-stream;
    log_format hopboot '$remote_addr "$request" range="$http_range" $status $body_bytes_sent'
                       '{" $ssl_protocol $ssl_cipher" if self.tls else ""}';
    access_log {self.log} hopboot;
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    sendfile on;
    server_tokens off;
    server {{
        listen {LOCAL_HOST}:{self.port}{" ssl" if self.tls else ""};
{tls_lines}        root {self.dir};
        autoindex off;
{f"        limit_rate {self.limit_rate};" + chr(10) if self.limit_rate else ""}        location / {{ {f"return 302 {self.redirect_to}$request_uri;" if self.redirect_to else ""} }}
    }}
}}
""")
        return [self.binary_path, "-p", self.work, "-e", self.error_log, "-c", config,
                "-g", "daemon off;"]

    def _ready(self):
        return self.pid_file.exists() and tcp_accepts(self.port)

    def _fail(self, message):
        extra = _tail(self.error_log)
        if extra:
            message += f"\n--- error log {self.error_log} ---\n{extra}"
        super()._fail(message)


# --- vsftpd: anonymous FTP -----------------------------------------------------------------

class Vsftpd(Server):
    """vsftpd serving DIR as anonymous, read-only FTP (must run as root).

    Passive mode on a small range of ports (.pasv_ports); the PASV reply names
    127.0.0.1, which libcurl and busybox ftpget ignore (they reuse the control
    connection's address), so it works from a QEMU guest too.  LIST, NLST,
    SIZE and REST work.  .log is vsftpd's protocol + transfer log.

    vsftpd runs an anonymous session as the user `ftp` chrooted into DIR and
    refuses a root that user can write: DIR is made mode 0755 and everything
    in it readable by all (a test's temporary directory is 0700).
    """

    name = "vsftpd"
    binary = "vsftpd"
    package = "vsftpd"
    scheme = "ftp"
    PASV_COUNT = 8

    def __init__(self, directory, work, **kwargs):
        super().__init__(directory, work, **kwargs)
        self.pasv_ports = None

    def _check_binary(self):
        super()._check_binary()
        if os.geteuid() != 0:
            raise ServerError("vsftpd: must run as root (standalone mode with chroot)")
        try:
            pwd.getpwnam("ftp")
        except KeyError:
            raise ServerError("vsftpd: the user 'ftp' is missing (the vsftpd package creates it)")

    def _make_root_usable(self):
        mode = stat.S_IMODE(self.dir.stat().st_mode)
        wanted = (mode | 0o555) & ~0o022
        if wanted != mode:
            self.dir.chmod(wanted)
        for top, dirs, files in os.walk(self.dir):
            for name in dirs:
                _add_mode(Path(top) / name, 0o005)
            for name in files:
                _add_mode(Path(top) / name, 0o004)

    def _prepare(self):
        self._make_root_usable()
        empty = self.work / "empty"
        empty.mkdir(exist_ok=True)
        empty.chmod(0o755)
        base = pick_ports(self.PASV_COUNT, "tcp")
        self.pasv_ports = range(base, base + self.PASV_COUNT)
        config = self._write("vsftpd.conf", f"""\
# vsftpd for a hopboot test: generated by servers.py
listen=YES
listen_ipv6=NO
listen_address={LOCAL_HOST}
listen_port={self.port}
background=NO
anonymous_enable=YES
local_enable=NO
write_enable=NO
anon_upload_enable=NO
anon_mkdir_write_enable=NO
anon_other_write_enable=NO
anon_root={self.dir}
no_anon_password=YES
anon_world_readable_only=NO
dirlist_enable=YES
download_enable=YES
pasv_enable=YES
pasv_min_port={self.pasv_ports.start}
pasv_max_port={self.pasv_ports.stop - 1}
port_enable=YES
connect_from_port_20=NO
secure_chroot_dir={empty}
dirmessage_enable=NO
hide_ids=YES
max_clients=32
idle_session_timeout=120
data_connection_timeout=60
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file={self.log}
syslog_enable=NO
dual_log_enable=NO
tcp_wrappers=NO
ssl_enable=NO
""")
        config.chmod(0o600)   # vsftpd wants its config owned by root, not writable by others
        return [self.binary_path, config]


def _add_mode(path, bits):
    mode = stat.S_IMODE(path.lstat().st_mode)
    if not path.is_symlink() and mode | bits != mode:
        path.chmod(mode | bits)


# --- tftpd-hpa ------------------------------------------------------------------------------

class Tftpd(Server):
    """tftpd-hpa serving DIR (chrooted with --secure) on a UDP port.

    blksize (RFC 2348) and tsize are negotiated by default; extra_args go to
    in.tftpd as they are, e.g. ("--blocksize", "512") to cap the block size or
    ("--refuse", "blksize") to refuse the option.  tftpd-hpa logs only to
    syslog, so .log (= .console) holds nothing but its startup errors.
    """

    name = "tftpd"
    binary = "in.tftpd"
    package = "tftpd-hpa"
    scheme = "tftp"
    port_kind = "udp"

    def __init__(self, directory, work, *, extra_args=(), **kwargs):
        super().__init__(directory, work, **kwargs)
        self.extra_args = [str(arg) for arg in extra_args]
        self.log = self.console

    def _prepare(self):
        user = pwd.getpwuid(os.geteuid()).pw_name
        return [self.binary_path, "--foreground", "--listen", "--address",
                f"{LOCAL_HOST}:{self.port}", "--user", user, *self.extra_args,
                "--secure", self.dir]

    def _ready(self):
        # An RRQ for a file that does not exist must come back as an ERROR packet.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.3)
            try:
                sock.sendto(b"\x00\x01hopboot-ready-probe\x00octet\x00", (LOCAL_HOST, self.port))
                reply, _ = sock.recvfrom(1024)
            except OSError:
                return False
        return reply[:2] == b"\x00\x05"


# --- nfs-ganesha ---------------------------------------------------------------------------

class Ganesha(Server):
    """nfs-ganesha exporting DIR read-only over NFSv4 only (must run as root).

    Pseudo path `pseudo` (default /export); port GANESHA_PORT (20490) when it
    is free, else a free one, unless port= is given.  The grace period is
    switched off (Graceless), so the server serves as soon as start() returns;
    recovery and credential-cache directories, the pid file and libblkid's
    cache are in WORK.  The guest mounts it with mount_command().  .log is
    ganesha's log (-L); the export line is logged at INFO ("Export 1 pseudo
    (/export) with path (DIR) ...").

    ganesha always unregisters and registers NFSv4 with the local rpcbind
    (no setting turns that off), which would change the host's rpcbind
    table and drop a kernel nfsd's registration.  isolate="auto" (default)
    therefore runs ganesha in a network namespace of its own when an rpcbind
    answers on this host, and relays 127.0.0.1:PORT into it (.isolated says
    which); True forces that, False never does it.
    """

    name = "ganesha"
    binary = "ganesha.nfsd"
    package = "nfs-ganesha nfs-ganesha-vfs"
    scheme = "nfs"
    READY_LINES = (r"NFS SERVER INITIALIZED", r"skipping GRACE|NOT IN GRACE")

    def __init__(self, directory, work, *, pseudo="/export", isolate="auto", **kwargs):
        super().__init__(directory, work, **kwargs)
        self.pseudo = "/" + pseudo.strip("/")
        self.pid_file = self.work / "ganesha.pid"
        self.isolate = isolate
        self.isolated = False
        self._relay = None

    @property
    def url(self):
        return f"nfs://{GUEST_HOST}:{self.port}{self.pseudo}/"

    @property
    def host_url(self):
        return f"nfs://{LOCAL_HOST}:{self.port}{self.pseudo}/"

    def mount_command(self, mountpoint="/mnt", read_only=True):
        """The guest's mount command for this export (NFSv4.0, read-only unless asked)."""
        return (f"mount -t nfs4 -o vers=4.0,port={self.port},addr={GUEST_HOST},"
                f"clientaddr={GUEST_ADDRESS}{',ro' if read_only else ''} "
                f"{GUEST_HOST}:{self.pseudo} {mountpoint}")

    def export_created(self):
        """Whether the log shows the export of DIR at the pseudo path."""
        pattern = rf"Export\s+1 pseudo \({re.escape(self.pseudo)}\) with path \({re.escape(str(self.dir))}\)"
        return re.search(pattern, _tail(self.log, 10000)) is not None

    def _check_binary(self):
        super()._check_binary()
        if not list(Path("/usr/lib").glob("*/ganesha/libfsalvfs.so")) and \
                not list(Path("/usr/lib").glob("ganesha/libfsalvfs.so")):
            raise MissingBinary("libfsalvfs.so", "nfs-ganesha-vfs")
        if os.geteuid() != 0:
            raise ServerError("ganesha: must run as root (FSAL VFS opens files by handle)")

    def _pick_port(self):
        if port_is_free(GANESHA_PORT):
            return GANESHA_PORT
        return super()._pick_port()

    def _environment(self):
        return dict(super()._environment(), BLKID_FILE=str(self.work / "blkid.tab"))

    def _prepare(self):
        for sub in ("recovery", "ccache"):
            (self.work / sub).mkdir(exist_ok=True)
        config = self._write("ganesha.conf", f"""\
# nfs-ganesha for a hopboot test: generated by servers.py
NFS_CORE_PARAM {{
    Protocols = 4;
    NFS_Port = {self.port};
    Bind_addr = {LOCAL_HOST};
    Enable_NLM = false;
    Enable_RQUOTA = false;
    Enable_UDP = false;
}}
NFSv4 {{
    Graceless = true;
    Lease_Lifetime = 10;
    RecoveryRoot = "{self.work / "recovery"}";
}}
NFS_KRB5 {{
    Active_krb5 = false;
    CCacheDir = "{self.work / "ccache"}";
}}
LOG {{
    COMPONENTS {{ EXPORT = INFO; }}
}}
EXPORT {{
    Export_Id = 1;
    Path = "{self.dir}";
    Pseudo = "{self.pseudo}";
    Access_Type = RO;
    Squash = No_Root_Squash;
    Protocols = 4;
    Transports = TCP;
    SecType = sys;
    FSAL {{ Name = VFS; }}
}}
""")
        argv = [self.binary_path, "-F", "-f", config, "-L", self.log, "-p", self.pid_file,
                "-N", "NIV_EVENT"]
        self.isolated = rpcbind_answers() if self.isolate == "auto" else bool(self.isolate)
        if not self.isolated:
            return argv
        return [_find_binary("unshare", "util-linux"), "--net", "--mount",
                "--propagation", "private", "--", "/bin/sh", "-c", _ISOLATE_SCRIPT, "sh", *argv]

    def _ready(self):
        text = _tail(self.log, 10000)
        if not all(re.search(line, text) for line in self.READY_LINES):
            return False
        if not self.isolated:
            return tcp_accepts(self.port)
        if self._relay is None:
            try:   # ganesha's pid: the watchdog's own pid is outside the namespace
                self._relay = NetnsRelay(int(self.pid_file.read_text().split()[0]), self.port)
            except (OSError, ValueError, IndexError):
                return False
        if not self._relay.inner_accepts():
            return False
        try:
            self._relay.start()
        except OSError as error:
            self._fail(f"relay cannot bind 127.0.0.1:{self.port}: {error}")
        return tcp_accepts(self.port)

    def stop(self):
        if self._relay is not None:
            self._relay.stop()
            self._relay = None
        super().stop()


# Run inside ganesha's own network and mount namespaces before exec'ing it.  A
# fresh network namespace has only a loopback, and it is down; the second
# address is for getaddrinfo(AI_ADDRCONFIG), which counts no IPv4 configured
# while 127.0.0.1 is the only address and then fails to resolve even the
# literal Bind_addr.  rpcbind's local socket is a path, which a network
# namespace does not hide: /dev/null is bound over it in the private mount
# namespace (connect() then fails; the host sees no change).
_ISOLATE_SCRIPT = """\
set -e
ip link set lo up
ip addr add 127.0.0.2/32 dev lo
for sock in /run/rpcbind.sock /var/run/rpcbind.sock; do
    if [ -S "$sock" ]; then mount --bind /dev/null "$sock"; fi
done
exec "$@"
"""


def rpcbind_answers():
    """Whether an rpcbind listens on this host (its local socket or port 111 on loopback)."""
    for path in ("/run/rpcbind.sock", "/var/run/rpcbind.sock"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            try:
                sock.connect(path)
                return True
            except OSError:
                pass
    return tcp_accepts(111, timeout=0.5) or tcp_accepts(111, host="::1", timeout=0.5)


_CLONE_NEWNET = 0x40000000
try:
    _setns = ctypes.CDLL(None, use_errno=True).setns
except (OSError, AttributeError):
    _setns = None


class NetnsRelay:
    """Relay TCP from 127.0.0.1:port here to 127.0.0.1:port in the network namespace of `pid`.

    Sockets keep the namespace they were made in, so a short-lived thread
    enters the target namespace (setns, a per-thread attribute), connects and
    hands the socket back; two threads per connection copy the bytes.
    """

    def __init__(self, pid, port):
        self.pid = pid
        self.port = port
        self._listener = None
        self._closing = False
        self._sockets = set()
        self._lock = threading.Lock()

    def connect_inside(self, timeout=5.0):
        """A socket connected to the port inside the namespace (raises OSError)."""
        result = {}

        def enter_and_connect():
            try:
                if _setns is None:
                    raise OSError("setns() unavailable")
                fd = os.open(f"/proc/{self.pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
                try:
                    if _setns(fd, _CLONE_NEWNET) != 0:
                        error = ctypes.get_errno()
                        raise OSError(error, f"setns: {os.strerror(error)}")
                finally:
                    os.close(fd)
                result["socket"] = socket.create_connection((LOCAL_HOST, self.port), timeout)
            except OSError as error:
                result["error"] = error

        thread = threading.Thread(target=enter_and_connect, name="netns-connect")
        thread.start()
        thread.join()
        if "error" in result:
            raise result["error"]
        result["socket"].settimeout(None)
        return result["socket"]

    def inner_accepts(self):
        try:
            self.connect_inside(timeout=1.0).close()
            return True
        except OSError:
            return False

    def start(self):
        if self._listener is not None:
            return
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((LOCAL_HOST, self.port))
        self._listener.listen(16)
        threading.Thread(target=self._accept_loop, name="netns-relay", daemon=True).start()

    def stop(self):
        self._closing = True
        with self._lock:
            sockets = list(self._sockets) + ([self._listener] if self._listener else [])
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept_loop(self):
        while not self._closing:
            try:
                outer, _ = self._listener.accept()
            except OSError:
                return
            try:
                inner = self.connect_inside()
            except OSError:
                outer.close()
                continue
            with self._lock:
                self._sockets.update((outer, inner))
            for source, sink in ((outer, inner), (inner, outer)):
                threading.Thread(target=self._copy, args=(source, sink), daemon=True).start()

    def _copy(self, source, sink):
        try:
            while True:
                data = source.recv(1 << 16)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with self._lock:
            done = source not in self._sockets   # the other direction finished first
            self._sockets.difference_update((source, sink))
        if done:
            source.close()
            sink.close()


# --- a faulty HTTP server --------------------------------------------------------------------

class FaultyHttp(Server):
    """A small threaded HTTP server (this file, run as a child) that drops connections.

    Serves DIR with single-range support (Range: bytes=A-B, A-, -N).  The
    first `cuts` GETs of each file whose name matches the fnmatch `pattern`
    send the headers of the full answer but only `cut_after` bytes of body,
    then close the connection (stall=S: first go silent for S seconds); later
    requests, e.g. `Range: bytes=N-`, are answered in full.  chunked=True: whole
    answers to GETs of matching files come with Transfer-Encoding: chunked and no
    Content-Length (so a client cannot see the size up front), and with cuts=0 none is
    cut.  trickle=N: bodies of matching files go out at N bytes a second (N/4 bytes every
    quarter second), to outlast a client's deadline.  It exits after `max_requests` requests or the lifetime.  .log has one line per
    request:
        3 GET /Demo-1.0.0.img range="bytes=1048576-" 206 bytes=1048576-3145727/3145728 sent=2097152
        1 GET /Demo-1.0.0.img range="-" 200 bytes=0-3145727/3145728 sent=1048576 CUT
    """

    name = "faulty-http"
    binary = "python3"
    package = "python3"
    scheme = "http"

    def __init__(self, directory, work=None, *, cut_after=1 << 20, pattern="*", cuts=1,
                 stall=0, max_requests=200, chunked=False, trickle=0, **kwargs):
        if work is None:
            work = tempfile.mkdtemp(prefix="hopboot-faulty-http-")
        super().__init__(directory, work, **kwargs)
        self.cut_after = cut_after
        self.pattern = pattern
        self.cuts = cuts
        self.stall = stall
        self.max_requests = max_requests
        self.chunked = chunked
        self.trickle = trickle

    def _check_binary(self):
        self.binary_path = sys.executable

    def _prepare(self):
        return [self.binary_path, Path(__file__).resolve(), "_faulty-http-child",
                "--dir", self.dir, "--port", self.port, "--log", self.log,
                "--cut-after", self.cut_after, "--pattern", self.pattern, "--cuts", self.cuts,
                "--stall", self.stall, "--max-requests", self.max_requests, "--trickle", self.trickle,
                "--lifetime", self.lifetime, *(["--chunked"] if self.chunked else [])]

    def requests(self):
        """The request log lines so far."""
        return _tail(self.log, 100000).splitlines()


class _FaultyServer(http.server.ThreadingHTTPServer):
    """The FaultyHttp child's server: request counting, cut bookkeeping, the log."""

    daemon_threads = True

    def __init__(self, args):
        super().__init__((LOCAL_HOST, args.port), _FaultyHandler)
        self.args = args
        self.root = Path(args.dir).resolve()
        self.lock = threading.Lock()
        self.count = 0
        self.cuts_done = {}
        self.log = open(args.log, "a", buffering=1)

    def record(self, line):
        with self.lock:
            self.log.write(line + "\n")

    def next_number(self):
        with self.lock:
            self.count += 1
            return self.count

    def take_cut(self, name):
        """Whether this GET of `name` is one to cut (and count it if so)."""
        if not fnmatch.fnmatch(name, self.args.pattern):
            return False
        with self.lock:
            done = self.cuts_done.get(name, 0)
            if done >= self.args.cuts:
                return False
            self.cuts_done[name] = done + 1
        return True

    def request_done(self, number):
        if number >= self.args.max_requests:
            self.record(f"max requests ({self.args.max_requests}) reached, stopping")
            threading.Thread(target=self.shutdown, daemon=True).start()


class _FaultyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hopboot-faulty-http"

    def log_message(self, fmt, *fmt_args):
        pass   # the server's own log has one line per request

    def do_HEAD(self):
        self.answer(send_body=False)

    def do_GET(self):
        self.answer(send_body=True)

    def answer(self, send_body):
        number = self.server.next_number()
        range_header = self.headers.get("Range", "-")
        prefix = f'{number} {self.command} {self.path} range="{range_header}"'
        path = self.resolve()
        if path is None:
            self.send_error(404)
            self.server.record(f"{prefix} 404")
        else:
            self.server.record(f"{prefix} {self.send_file(path, range_header, send_body)}")
        self.server.request_done(number)

    def send_file(self, path, range_header, send_body):
        """Answer with (part of) `path`; return what happened, for the log."""
        size = path.stat().st_size
        first, last, status = parse_range(range_header, size)
        self.send_response(status)
        if status == 416:
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return f"416 size={size}"
        length = last - first + 1
        chunked = (send_body and status == 200 and self.server.args.chunked
                   and fnmatch.fnmatch(path.name, self.server.args.pattern))
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Transfer-Encoding" if chunked else "Content-Length", "chunked" if chunked else str(length))
        if status == 206:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.end_headers()
        cut = send_body and self.server.take_cut(path.name)
        trickle = self.server.args.trickle if fnmatch.fnmatch(path.name, self.server.args.pattern) else 0
        sent = self.copy(path, first, min(length, self.server.args.cut_after) if cut else length, chunked,
                         trickle) if send_body else 0
        if cut:
            self.drop_connection()
        return (f"{status} bytes={first}-{last}/{size} sent={sent}{' CUT' if cut else ''}"
                f"{' CHUNKED' if chunked else ''}{' TRICKLED' if trickle else ''}")

    def drop_connection(self):
        if self.server.args.stall:
            time.sleep(self.server.args.stall)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def resolve(self):
        """The regular file under the served directory that the request names, or None."""
        parts = [p for p in self.path.split("?", 1)[0].split("/") if p not in ("", ".")]
        if ".." in parts:
            return None
        path = self.server.root.joinpath(*parts)
        return path if path.is_file() else None

    def copy(self, path, first, count, chunked=False, trickle=0):
        sent = 0
        piece = max(1, trickle // 4) if trickle else 65536
        with open(path, "rb") as source:
            source.seek(first)
            while sent < count:
                if trickle and sent:
                    time.sleep(0.25)
                block = source.read(min(piece, count - sent))
                if not block:
                    break
                try:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
                except OSError:
                    break
                sent += len(block)
            if chunked and sent == count:
                try:
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass
        return sent


def _faulty_http_child(args):
    """The FaultyHttp server process itself: serve until max_requests or the lifetime."""
    server = _FaultyServer(args)
    timer = threading.Timer(args.lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    server.record(f"serving {server.root} on {LOCAL_HOST}:{args.port}, cut {args.cuts}x after "
                  f"{args.cut_after} bytes for {args.pattern!r}")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        server.log.close()
    return 0


def parse_range(header, size):
    """(first, last, status) for a Range header on a file of `size` bytes.

    Only a single bytes range is honoured; anything else gets the whole file
    (200).  An unsatisfiable range gives status 416.
    """
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header or "")
    if not match or match.group(1) == match.group(2) == "":
        return 0, size - 1, 200
    start, end = match.groups()
    if start == "":
        first, last = max(0, size - int(end)), size - 1
        if int(end) == 0:
            return 0, -1, 416
    else:
        first = int(start)
        last = min(int(end), size - 1) if end else size - 1
    if first >= size or first > last:
        return 0, -1, 416
    return first, last, 206


# --- command line ---------------------------------------------------------------------------

KINDS = {
    "http": lambda d, w, a: Nginx(d, w, lifetime=a.lifetime, port=a.port),
    "https": lambda d, w, a: Nginx(d, w, tls=True, lifetime=a.lifetime, port=a.port),
    "https-untrusted": lambda d, w, a: Nginx(d, w, untrusted=True, lifetime=a.lifetime, port=a.port),
    "ftp": lambda d, w, a: Vsftpd(d, w, lifetime=a.lifetime, port=a.port),
    "tftp": lambda d, w, a: Tftpd(d, w, lifetime=a.lifetime, port=a.port),
    "nfs": lambda d, w, a: Ganesha(d, w, lifetime=a.lifetime, port=a.port),
    "faulty-http": lambda d, w, a: FaultyHttp(d, w, cut_after=a.cut_after, lifetime=a.lifetime,
                                              port=a.port),
}


def _child_main(argv):
    parser = argparse.ArgumentParser(prog="servers.py _faulty-http-child")
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--cut-after", type=int, required=True)
    parser.add_argument("--pattern", required=True)
    parser.add_argument("--cuts", type=int, required=True)
    parser.add_argument("--stall", type=float, required=True)
    parser.add_argument("--max-requests", type=int, required=True)
    parser.add_argument("--lifetime", type=float, required=True)
    parser.add_argument("--chunked", action="store_true")
    parser.add_argument("--trickle", type=int, default=0)
    return _faulty_http_child(parser.parse_args(argv))


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_faulty-http-child"]:
        return _child_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Prints the URLs, serves until the lifetime ends "
                                            "or Ctrl-C.")
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("dir", type=Path, help="directory to serve")
    parser.add_argument("--work", type=Path,
                        help="work directory for config and logs (default: a new temporary one)")
    parser.add_argument("--port", type=int, help="port (default: a free one)")
    parser.add_argument("--lifetime", type=int, default=DEFAULT_LIFETIME,
                        help=f"seconds before the server stops by itself (default {DEFAULT_LIFETIME})")
    parser.add_argument("--cut-after", type=int, default=1 << 20,
                        help="faulty-http: body bytes sent before the first GET is cut")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix=f"hopboot-{args.kind}-"))
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)   # also when started with SIGINT ignored (sh's `&`)
    try:
        with KINDS[args.kind](args.dir, work, args) as server:
            print(f"{args.kind}: serving {server.dir}")
            print(f"  guest url: {server.url}")
            print(f"  host url:  {server.host_url}")
            for attribute in ("ca_cert", "issuer_cert"):
                if getattr(server, attribute, None):
                    print(f"  {attribute}: {getattr(server, attribute)}")
            if isinstance(server, Ganesha):
                print(f"  guest mount: {server.mount_command()}")
            print(f"  log: {server.log}\n  work: {server.work}\n"
                  f"  stops after {args.lifetime} s or Ctrl-C", flush=True)
            while server.running:
                time.sleep(0.5)
            print(f"{args.kind}: stopped (lifetime over or server exited)")
    except MissingBinary as error:
        print(f"servers.py: {error}", file=sys.stderr)
        return EXIT_SKIP
    except ServerError as error:
        print(f"servers.py: {error}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        print(f"\n{args.kind}: stopped")
    return EXIT_PASS


if __name__ == "__main__":
    sys.exit(main())
