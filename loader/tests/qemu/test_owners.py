#!/usr/bin/env python3
"""An image keeps what its root filesystem says, into the booted OS.

The demo root gets /srv/owners (and an `owner` user, uid 1234, and the group
`shadow`, gid 42, in /etc/passwd and /etc/group), made as root on the host:

  file640   owner:shadow (1234:42), mode 0640
  suid      root:root 4755, a copy of the probe below
  sgid      root:shadow 2755, a copy of the probe (like unix_chkpwd)
  dir2750   a directory root:shadow 2750 (like /var/log/journal)
  zero      a character device node 1,5 root:shadow 0660
  link      a symlink to file640
  hard1     a file with a second name, hard2 (link count 2, one inode)
  xattr     a file with user.hopboot=kept
  capped    a copy of the probe with security.capability cap_net_raw+ep (setcap)
  probe     a static C program: prints an xattr's value in hex (busybox has no
            getfattr or getcap), its own uid/euid/gid/egid, its CapPrm/CapEff, and
            runs a program as another uid/gid

images/mkimg (run as root) makes Demo-1.2.0.img of it.  On the host, before the
boot, the image's listing (unsquashfs -lln) and rdsquashfs -s/-x show each of
these.  Then the card (Demo-1.2.0 alone, no demo.poweroff) boots and, in the
demo's shell, busybox stat and ls -l and the probe see the same: owners, groups,
modes with their setuid/setgid bits, the node's type and numbers (it reads as
zeros), the symlink's target, one inode with two names, the xattr and the
capability.  And the kernel honours them: as uid 1234 the setuid copy runs with
euid 0, the setgid copy with egid 42, and the capped copy with CAP_NET_RAW
(bit 13: CapEff 0000000000002000).  Then `poweroff`.  Needs root (chown, mknod,
setcap) and gcc with a static libc.
"""

import os
import re
import shutil
import stat
import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402
from qemuboot import TestFailure, note, run_tool, shell_run  # noqa: E402

PROMPT = "demo# "
VERSION = "1.2.0"
DIR = "/srv/owners"
OWNER, SHADOW = 1234, 42
XATTR_VALUE = b"kept"
CAP_NET_RAW = "0000000000002000"    # 1 << 13, as /proc/self/status prints it
# What setcap cap_net_raw+ep writes: VFS_CAP_REVISION_2 with the effective flag,
# permitted bit 13, no inheritable bits (20 bytes).
CAP_XATTR = "0100000200200000" + "00" * 12

PROBE_C = r"""
/* test_owners probe: what the booted OS sees of xattrs, ids and capabilities. */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "xattr") == 0) {
		unsigned char value[4096];
		ssize_t n = lgetxattr(argv[2], argv[3], value, sizeof value);
		if (n < 0) {
			printf("XATTR %s %s missing\n", argv[2], argv[3]);
			return 1;
		}
		printf("XATTR %s %s=", argv[2], argv[3]);
		for (ssize_t i = 0; i < n; i++)
			printf("%02x", value[i]);
		printf("\n");
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "xattrs") == 0) {
		char names[4096];
		ssize_t n = llistxattr(argv[2], names, sizeof names);
		printf("XATTRS %s:", argv[2]);
		for (char *p = names; n > 0 && p < names + n; p += strlen(p) + 1)
			printf(" %s", p);
		printf("\n");
		return n < 0;
	}
	if (argc == 2 && strcmp(argv[1], "ids") == 0) {
		printf("IDS uid=%d euid=%d gid=%d egid=%d\n",
		       (int)getuid(), (int)geteuid(), (int)getgid(), (int)getegid());
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "caps") == 0) {
		char line[256], prm[64] = "?", eff[64] = "?";
		FILE *status = fopen("/proc/self/status", "r");
		while (status && fgets(line, sizeof line, status)) {
			sscanf(line, "CapPrm: %63s", prm);
			sscanf(line, "CapEff: %63s", eff);
		}
		printf("CAPS uid=%d CapPrm=%s CapEff=%s\n", (int)getuid(), prm, eff);
		return 0;
	}
	if (argc >= 5 && strcmp(argv[1], "as") == 0) {
		if (setgroups(0, NULL) || setgid(atoi(argv[3])) || setuid(atoi(argv[2]))) {
			perror("probe: cannot change ids");
			return 126;
		}
		execv(argv[4], argv + 4);
		perror("probe: cannot run the program");
		return 127;
	}
	fprintf(stderr, "usage: probe xattr FILE NAME | xattrs FILE | ids | caps | as UID GID PROGRAM ARG...\n");
	return 2;
}
"""


def build_probe(workdir):
    source = workdir / "probe.c"
    source.write_text(PROBE_C)
    probe = workdir / "probe"
    run_tool(["gcc", "-static", "-O2", "-Wall", "-Werror", "-o", probe, source])
    return probe


def make_owners(root, probe):
    """The entries of /srv/owners in the demo root (see the module's docstring)."""
    d = root / DIR.lstrip("/")
    d.mkdir(parents=True)
    os.chmod(d.parent, 0o755)
    os.chmod(d, 0o755)
    with open(root / "etc/passwd", "a") as passwd:
        passwd.write(f"owner:x:{OWNER}:{SHADOW}:owner:/:/bin/sh\n")
    with open(root / "etc/group", "a") as group:
        group.write(f"shadow:x:{SHADOW}:\n")

    (d / "file640").write_text("owned by uid 1234\n")
    os.chown(d / "file640", OWNER, SHADOW)
    os.chmod(d / "file640", 0o640)
    shutil.copyfile(probe, d / "probe")
    os.chmod(d / "probe", 0o755)
    for name, gid, mode in (("suid", 0, 0o4755), ("sgid", SHADOW, 0o2755), ("capped", 0, 0o755)):
        shutil.copyfile(probe, d / name)
        os.chown(d / name, 0, gid)
        os.chmod(d / name, mode)     # after chown, which clears setuid/setgid
    (d / "dir2750").mkdir()
    os.chown(d / "dir2750", 0, SHADOW)
    os.chmod(d / "dir2750", 0o2750)
    os.mknod(d / "zero", stat.S_IFCHR | 0o660, os.makedev(1, 5))
    os.chown(d / "zero", 0, SHADOW)
    os.chmod(d / "zero", 0o660)
    os.symlink("file640", d / "link")
    (d / "hard1").write_text("one file, two names\n")
    os.link(d / "hard1", d / "hard2")
    (d / "xattr").write_text("a file with a user xattr\n")
    os.setxattr(d / "xattr", "user.hopboot", XATTR_VALUE)
    run_tool(["setcap", "cap_net_raw+ep", d / "capped"])


# In the image listing (unsquashfs -lln): mode string, uid/gid, then size or device.
EXPECTED_LISTING = {
    "file640": r"-rw-r----- +1234/42 ",
    "suid": r"-rwsr-xr-x +0/0 ",
    "sgid": r"-rwxr-sr-x +0/42 ",
    "capped": r"-rwxr-xr-x +0/0 ",
    "dir2750": r"drwxr-s--- +0/42 ",
    "zero": r"crw-rw---- +0/42 +1, +5 ",
    "link": r"lrwxrwxrwx +0/0 .* -> file640$",
    "hard1": r"-rw-r--r-- +0/0 ",
    "hard2": r"-rw-r--r-- +0/0 ",
    "xattr": r"-rw-r--r-- +0/0 ",
}


def check_image(image):
    """The image itself, on the host: owners, modes, node, links, xattrs."""
    listing = run_tool(["unsquashfs", "-lln", "-d", "", image])
    problems = []
    for name, pattern in EXPECTED_LISTING.items():
        path = f"{DIR}/{name}"
        lines = [line for line in listing.splitlines() if re.search(rf" {re.escape(path)}( -> .*)?$", line)]
        if len(lines) != 1 or not re.match(pattern, lines[0]):
            problems.append(f"{path}: want /{pattern}/, listing says {lines}")
    for name in ("hard1", "hard2"):
        info = run_tool(["rdsquashfs", "-s", f"{DIR}/{name}", image])
        if not re.search(r"^Hard link count: 2$", info, re.MULTILINE):
            problems.append(f"{DIR}/{name}: link count not 2 in rdsquashfs -s:\n{info}")
    xattrs = run_tool(["rdsquashfs", "-x", f"{DIR}/xattr", image])
    if f"user.hopboot={XATTR_VALUE.decode()}" not in xattrs.split():
        problems.append(f"{DIR}/xattr: rdsquashfs -x says {xattrs!r}")
    caps = run_tool(["rdsquashfs", "-x", f"{DIR}/capped", image])
    if f"security.capability=0x{CAP_XATTR}" not in caps.split():
        problems.append(f"{DIR}/capped: rdsquashfs -x says {caps!r}")
    if problems:
        raise TestFailure(f"{image.name} lost what its root says:\n  " + "\n  ".join(problems))
    note(f"{image.name}: owners, modes, node, links, xattr and capability are in the image")


def check_booted(q):
    """The same, in the booted demo OS."""
    def stat_line(name, expected):
        shell_run(q, f"stat -c 'OWN %n %u %g %a %h %F' {DIR}/{name}",
                  re.escape(f"OWN {DIR}/{name} {expected}"), PROMPT)

    stat_line("file640", f"{OWNER} {SHADOW} 640 1 regular file")
    stat_line("suid", "0 0 4755 1 regular file")
    stat_line("sgid", f"0 {SHADOW} 2755 1 regular file")
    shell_run(q, f"stat -c 'OWN %n %u %g %a %F' {DIR}/dir2750",
              re.escape(f"OWN {DIR}/dir2750 0 {SHADOW} 2750 directory"), PROMPT)
    stat_line("zero", f"0 {SHADOW} 660 1 character special file")
    stat_line("link", "0 0 777 1 symbolic link")
    stat_line("hard1", "0 0 644 2 regular file")
    stat_line("hard2", "0 0 644 2 regular file")
    # ls -l: the names from the image's own /etc/passwd and /etc/group, the s bits.
    shell_run(q, f"ls -l {DIR}/file640 | tr -s ' ' | cut -d' ' -f1-4",
              r"-rw-r----- 1 owner shadow", PROMPT)
    shell_run(q, f"for f in suid sgid dir2750; do ls -ld {DIR}/$f | cut -c1-10; done | tr '\\n' ' '; echo",
              r"-rwsr-xr-x -rwxr-sr-x drwxr-s--- *", PROMPT)
    # The node is a working device: 1,5 reads as zeros.
    shell_run(q, f"stat -c 'DEV %t %T' {DIR}/zero; head -c 3 {DIR}/zero | od -An -tx1",
              r"DEV 1 5\n *00 00 00 *", PROMPT)
    shell_run(q, f"readlink {DIR}/link; cat {DIR}/link", r"file640\nowned by uid 1234", PROMPT)
    # Both names, one inode: uniq counts 2 of the same line.
    shell_run(q, f"stat -c 'inode %i' {DIR}/hard1 {DIR}/hard2 | uniq -c", r" *2 inode \d+", PROMPT)
    probe = f"{DIR}/probe"
    shell_run(q, f"{probe} xattr {DIR}/xattr user.hopboot",
              re.escape(f"XATTR {DIR}/xattr user.hopboot={XATTR_VALUE.hex()}"), PROMPT)
    shell_run(q, f"{probe} xattr {DIR}/capped security.capability",
              re.escape(f"XATTR {DIR}/capped security.capability={CAP_XATTR}"), PROMPT)
    # The kernel honours the bits: as uid 1234, exec gives the file's ids and caps.
    shell_run(q, f"{probe} as {OWNER} {SHADOW} {DIR}/suid ids",
              rf"IDS uid={OWNER} euid=0 gid={SHADOW} egid={SHADOW}", PROMPT)
    shell_run(q, f"{probe} as {OWNER} {OWNER} {DIR}/sgid ids",
              rf"IDS uid={OWNER} euid={OWNER} gid={OWNER} egid={SHADOW}", PROMPT)
    shell_run(q, f"{probe} as {OWNER} {SHADOW} {DIR}/capped caps",
              rf"CAPS uid={OWNER} CapPrm={CAP_NET_RAW} CapEff={CAP_NET_RAW}", PROMPT)
    # And the probe itself, without the capability, gets none: the caps are capped's own.
    shell_run(q, f"{probe} as {OWNER} {SHADOW} {probe} caps",
              rf"CAPS uid={OWNER} CapPrm=0000000000000000 CapEff=0000000000000000", PROMPT)


def main(ctx):
    if os.geteuid() != 0:
        raise TestFailure("needs root: the demo root gets files of other owners, a device node and a capability")
    probe = build_probe(ctx.workdir)
    image = ctx.custom_demo(VERSION, lambda root: make_owners(root, probe))
    check_image(image)
    card = ctx.make_card([image], append="")
    with ctx.boot(card) as q:
        qemuboot.expect_demo_boot(q, VERSION, poweroff=False)
        check_booted(q)
        q.expect(re.escape(PROMPT), 60)
        q.send("poweroff")
        qemuboot.expect_clean_exit(q)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
