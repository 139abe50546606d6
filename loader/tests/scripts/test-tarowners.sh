#!/usr/bin/env bash
# test-tarowners.sh - images/mkimg keeps what a root file system says, on the host (the
# booted OS is qemu.owners's job).  A tarball, written by Python's tarfile so that no
# root is needed to make it, holds under /srv/owners a file of uid 1234 and gid 42 mode
# 0640, setuid and setgid files, a setgid directory of gid 42, a character device, a
# symlink, two names of one file, a user.* xattr and a file capability
# (security.capability).  mkimg --tar packs it as an unprivileged user (nobody, when the
# test runs as root): the image holds all of it, the owners from the tar headers and
# not from who ran mkimg (root makes the same bytes), its time stamp the newest in the
# tarball or SOURCE_DATE_EPOCH.  Refusals: another --fs, no kernel, a damaged archive;
# an ACL, which squashfs cannot hold, is dropped with a warning.  Run as root, it also
# checks that mkimg --rootfs (as root) of the unpacked tree, mkimg --from-tar (as root)
# and mkimg --tar of a GNU tar --xattrs archive of that tree keep the same, and what a
# user's --rootfs and --from-tar give (every file root's, with a note).  No build
# artifacts: a fake kernel.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
mkimg=$repo/images/mkimg
work=$(mktemp -d /tmp/test-tarowners-XXXXXX)
trap 'rm -rf "$work"' EXIT
NEWEST=1700000100
# shellcheck source-path=SCRIPTDIR source=expect.sh
source "$(dirname "${BASH_SOURCE[0]}")/expect.sh"

for tool in unsquashfs rdsquashfs tar2sqfs python3; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (ci/deps installs it)" >&2; exit 1; }
done

# as_user CMD...: CMD run by an unprivileged user: nobody when we are root, else us.
as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

# The tarball: ./ and ./boot/vmlinuz, then /srv/owners.  Times 1700000000, but file640's
# is NEWEST.  xattrs as GNU tar --xattrs writes them: SCHILY.xattr.NAME pax records.
make_tarball() {
	python3 - "$1" "$NEWEST" "${2:-}" <<'EOF'
import io, sys, tarfile
path, newest, extra = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# setcap cap_net_raw+ep: VFS_CAP_REVISION_2, effective, permitted bit 13.
cap = bytes.fromhex("0100000200200000" + "00" * 12)
with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
    def add(name, kind=tarfile.REGTYPE, data=b"", uid=0, gid=0, mode=0o644, xattrs=None, **more):
        info = tarfile.TarInfo(name)
        info.type, info.uid, info.gid, info.mode, info.mtime = kind, uid, gid, mode, 1700000000
        info.uname = info.gname = ""
        for key, value in more.items():
            setattr(info, key, value)
        if xattrs:
            info.pax_headers = {f"SCHILY.xattr.{k}": v.decode("latin-1") for k, v in xattrs.items()}
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    add("./", tarfile.DIRTYPE, mode=0o755)
    add("./boot/", tarfile.DIRTYPE, mode=0o755)
    if extra != "nokernel":
        add("./boot/vmlinuz", data=b"fake kernel\n")
    add("./srv/", tarfile.DIRTYPE, mode=0o755)
    add("./srv/owners/", tarfile.DIRTYPE, mode=0o755)
    add("./srv/owners/file640", data=b"owned\n", uid=1234, gid=42, mode=0o640, mtime=newest)
    add("./srv/owners/suid", data=b"suid\n", mode=0o4755)
    add("./srv/owners/sgid", data=b"sgid\n", gid=42, mode=0o2755)
    add("./srv/owners/dir2750/", tarfile.DIRTYPE, gid=42, mode=0o2750)
    add("./srv/owners/zero", tarfile.CHRTYPE, gid=42, mode=0o660, devmajor=1, devminor=5)
    add("./srv/owners/link", tarfile.SYMTYPE, mode=0o777, linkname="file640")
    add("./srv/owners/hard1", data=b"one\n")
    add("./srv/owners/hard2", tarfile.LNKTYPE, linkname="./srv/owners/hard1")
    add("./srv/owners/xattr", data=b"xat\n", xattrs={"user.hopboot": b"kept"})
    add("./srv/owners/capped", data=b"cap\n", mode=0o755, xattrs={"security.capability": cap})
    if extra == "acl":
        add("./srv/acl", data=b"acl\n", xattrs={"system.posix_acl_access": b"\x02\x00\x00\x00"})
EOF
}

EXPECTED='drwxr-xr-x 0/0 /srv/owners
-rwxr-xr-x 0/0 4 /srv/owners/capped
drwxr-s--- 0/42 /srv/owners/dir2750
-rw-r----- 1234/42 6 /srv/owners/file640
-rw-r--r-- 0/0 4 /srv/owners/hard1
-rw-r--r-- 0/0 4 /srv/owners/hard2
lrwxrwxrwx 0/0 7 /srv/owners/link -> file640
-rwxr-sr-x 0/42 5 /srv/owners/sgid
-rwsr-xr-x 0/0 5 /srv/owners/suid
-rw-r--r-- 0/0 4 /srv/owners/xattr
crw-rw---- 0/42 1,5 /srv/owners/zero'

# owners_listing IMAGE: the /srv/owners lines of unsquashfs -lln as MODE UID/GID SIZE
# (or MAJOR,MINOR) PATH, without times and without the sizes of directories.
owners_listing() {
	local listing
	listing=$(unsquashfs -lln -d '' "$1") || { echo "unsquashfs cannot list $1"; return 0; }
	sed -nE -e 's#^(d[^ ]*) +([^ ]+) +[0-9]+ +[0-9-]+ [0-9:]+ (/srv/owners.*)$#\1 \2 \3#p' \
		-e 's#^([^d][^ ]*) +([^ ]+) +([0-9]+|[0-9]+, +[0-9]+) +[0-9-]+ [0-9:]+ (/srv/owners.*)$#\1 \2 \3 \4#p' \
		<<<"$listing" | sed -E 's/, +/,/'
}

# check_image IMAGE WHAT: IMAGE holds EXPECTED, one inode for hard1 and hard2, the xattr
# and the capability.
check_image() {
	local image=$1 what=$2 got info
	checks=$((checks + 4))
	got=$(owners_listing "$image")
	[ "$got" = "$EXPECTED" ] || fail "$what: the image's /srv/owners differs:$(diff <(echo "$EXPECTED") <(echo "$got") | sed 's/^/\n  /' | tr -d '\n')"
	info=$(rdsquashfs -s /srv/owners/hard2 "$image" 2>&1) || true
	grep -qx 'Hard link count: 2' <<<"$info" || fail "$what: hard2 is not one of two names: $info"
	info=$(rdsquashfs -x /srv/owners/xattr "$image" 2>&1) || true
	grep -qx 'user.hopboot=kept' <<<"$info" || fail "$what: xattr lost user.hopboot: '$info'"
	info=$(rdsquashfs -x /srv/owners/capped "$image" 2>&1) || true
	grep -qx 'security.capability=0x0100000200200000000000000000000000000000' <<<"$info" ||
		fail "$what: capped lost its capability: '$info'"
}

# mkfs_time IMAGE: the squashfs superblock's mkfs_time (bytes 8-11, little endian).
mkfs_time() {
	od -An -tu4 -j8 -N4 -- "$1" | tr -d ' '
}

mkdir -p "$work/tar" "$work/user" "$work/root"
make_tarball "$work/tar/root.tar.gz"
if [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$work" "$work/tar"
	chown nobody "$work/user"
fi

# --tar by a user: all of it, the owners from the headers.
expect 0 'user/Tar-1\.0\.img \(squashfs' as_user "$mkimg" --tar "$work/tar/root.tar.gz" --name Tar --version 1.0 -o "$work/user"
check_image "$work/user/Tar-1.0.img" "mkimg --tar as $(as_user id -un)"
checks=$((checks + 2))
(cd "$work/user" && sha1sum --quiet -c Tar-1.0.img.sha1 && sha256sum --quiet -c Tar-1.0.img.sha256) ||
	fail "the sums of Tar-1.0.img do not check"
[ "$(mkfs_time "$work/user/Tar-1.0.img")" = "$NEWEST" ] ||
	fail "mkfs time $(mkfs_time "$work/user/Tar-1.0.img"), not the tarball's newest $NEWEST"

# Whoever runs it, the same bytes; SOURCE_DATE_EPOCH sets the time.
expect 0 '' "$mkimg" --tar "$work/tar/root.tar.gz" --name Tar --version 1.0 -o "$work/root"
checks=$((checks + 2))
cmp -s "$work/user/Tar-1.0.img" "$work/root/Tar-1.0.img" ||
	fail "mkimg --tar made other bytes for $(id -un) than for $(as_user id -un)"
expect 0 '' env SOURCE_DATE_EPOCH=1234567890 "$mkimg" --tar "$work/tar/root.tar.gz" --name Tar --version 1.1 -o "$work/root"
[ "$(mkfs_time "$work/root/Tar-1.1.img")" = 1234567890 ] || fail "SOURCE_DATE_EPOCH did not set the mkfs time"

# Refusals.
expect 2 'squashfs images only' "$mkimg" --tar "$work/tar/root.tar.gz" --name Tar --version 1.0 -o "$work/root" --fs ext4
expect 2 'exclude each other' "$mkimg" --tar "$work/tar/root.tar.gz" --rootfs "$work" --name Tar --version 1.0 -o "$work/root"
expect 1 'tar archive .*missing.tar not found' "$mkimg" --tar "$work/tar/missing.tar" --name Tar --version 1.0 -o "$work/root"
make_tarball "$work/tar/nokernel.tar.gz" nokernel
expect 1 'nokernel\.tar\.gz holds no kernel at /boot/vmlinuz or /boot/bzImage' \
	"$mkimg" --tar "$work/tar/nokernel.tar.gz" --name Tar --version 2.0 -o "$work/root"
head -c 300 "$work/tar/root.tar.gz" >"$work/tar/cut.tar.gz"
expect 1 'cut\.tar\.gz: tar cannot read it' "$mkimg" --tar "$work/tar/cut.tar.gz" --name Tar --version 2.0 -o "$work/root"
checks=$((checks + 1))
[ -z "$(find "$work/root" -name 'Tar-2.0*' -o -name '.*tmp*')" ] || fail "a refused build left files in $work/root"
# An ACL (a system.* xattr, as on Debian's /var/log/journal): squashfs cannot hold it;
# tar2sqfs drops it with a warning, as mksquashfs does, and keeps the rest.
make_tarball "$work/tar/acl.tar.gz" acl
expect 0 'WARNING: .*system\.posix_acl_access' "$mkimg" --tar "$work/tar/acl.tar.gz" --name Acl --version 1.0 -o "$work/root"
check_image "$work/root/Acl-1.0.img" "mkimg --tar of a tarball with an ACL"

if [ "$(id -u)" -eq 0 ]; then
	# The tree the tarball describes, unpacked as root (GNU tar, names ignored).
	tree=$work/tree
	mkdir "$tree"
	tar --numeric-owner --xattrs '--xattrs-include=*' -xzf "$work/tar/root.tar.gz" -C "$tree"
	expect 0 '' "$mkimg" --rootfs "$tree" --name Dir --version 1.0 -o "$work/root"
	check_image "$work/root/Dir-1.0.img" "mkimg --rootfs as root"
	cp "$work/tar/root.tar.gz" "$work/root/From-1.0-rootfs.tar.gz"
	expect 0 '^installed From-1\.0\.img' "$mkimg" --from-tar "$work/root/From-1.0-rootfs.tar.gz"
	check_image "$work/root/From-1.0.img" "mkimg --from-tar as root"
	# A GNU tar --xattrs archive of the tree, packed by nobody.
	tar --xattrs -C "$tree" -czf "$work/tar/gnu.tar.gz" .
	expect 0 '' as_user "$mkimg" --tar "$work/tar/gnu.tar.gz" --name Gnu --version 1.0 -o "$work/user"
	check_image "$work/user/Gnu-1.0.img" "mkimg --tar of GNU tar --xattrs, as nobody"

	# A user's --rootfs and --from-tar: every file root's, and a note saying so.
	mkdir -p "$work/user/tree/boot"
	echo kernel >"$work/user/tree/boot/vmlinuz"
	chown -R nobody:nogroup "$work/user/tree"
	expect 0 "run as a user: every file becomes root's" \
		as_user "$mkimg" --rootfs "$work/user/tree" --name User --version 1.0 -o "$work/user"
	checks=$((checks + 1))
	listing=$(unsquashfs -lln -d '' "$work/user/User-1.0.img")
	grep -qE '^-rw-r--r-- 0/0 .* /boot/vmlinuz$' <<<"$listing" || fail "a user's --rootfs did not give root's files: $listing"
	tar -C "$work/user/tree" -czf "$work/user/User-2.0-rootfs.tar.gz" .
	chown nobody "$work/user/User-2.0-rootfs.tar.gz"
	expect 0 "every file becomes root's \(--tar keeps" as_user "$mkimg" --from-tar "$work/user/User-2.0-rootfs.tar.gz"
fi

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
