#!/usr/bin/env bash
# test-fromtar.sh BUILD - images/mkimg --from-tar (images/rootfs-to-image) on a tarball of
# the build's demo root: the image, its sums and contents, the same bytes as mkimg makes
# of the directory, and the refusals (no version in the name, no kernel inside, an
# existing image, a damaged tarball, two names for one image).  Run as root, it also
# builds as an unprivileged user: every file root's, device nodes refused.
set -euo pipefail

build=$(cd "${1:?usage: test-fromtar.sh BUILD}" && pwd)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
mkimg=$repo/images/mkimg
demo=$build/demo/rootfs-1.1.0
work=$(mktemp -d /tmp/test-fromtar-XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source-path=SCRIPTDIR source=expect.sh
source "$(dirname "${BASH_SOURCE[0]}")/expect.sh"

[ -d "$demo/boot" ] || { echo "FAIL: no demo root at $demo (build first)" >&2; exit 1; }
tar -C "$demo" -czf "$work/Demo-1.1.0-rootfs.tar.gz" .

# The image, next to the tarball: sums that check, a kernel inside, and the same bytes
# mkimg --rootfs makes of the directory (both xz; the build's own demo images are lz4).
expect 0 '^installed Demo-1\.1\.0\.img from Demo-1\.1\.0-rootfs\.tar\.gz \(sha1 [0-9a-f]{40}\)$' \
	"$mkimg" --from-tar "$work/Demo-1.1.0-rootfs.tar.gz"
# --comp would be ignored there: refused instead.
expect 2 'does not apply' "$mkimg" --from-tar "$work/Demo-1.1.0-rootfs.tar.gz" --comp lz4
(cd "$work" && sha1sum --quiet -c Demo-1.1.0.img.sha1 && sha256sum --quiet -c Demo-1.1.0.img.sha256) ||
	fail "the sums of Demo-1.1.0.img do not check"
# Listings go through variables: grep -q quitting early must not fail the pipeline.
listing=$(unsquashfs -l -d '' "$work/Demo-1.1.0.img") || fail "unsquashfs cannot list the image"
grep -qx /boot/vmlinuz <<<"$listing" || fail "no /boot/vmlinuz in the image"
if [ "$(id -u)" -eq 0 ]; then
	mkdir "$work/from-rootfs"
	"$mkimg" --rootfs "$demo" --name Demo --version 1.1.0 -o "$work/from-rootfs" >/dev/null ||
		fail "mkimg --rootfs $demo failed"
	cmp -s "$work/Demo-1.1.0.img" "$work/from-rootfs/Demo-1.1.0.img" ||
		fail "mkimg --from-tar made other bytes than mkimg --rootfs of the same root"
fi
checks=$((checks + 3))

# Refusals, each one line and nothing left behind.
before=$(sha1sum "$work/Demo-1.1.0.img")
expect 1 'Demo-1\.1\.0\.img exists already' "$mkimg" --from-tar "$work/Demo-1.1.0-rootfs.tar.gz"
[ "$before" = "$(sha1sum "$work/Demo-1.1.0.img")" ] || fail "the existing image was changed"
cp "$work/Demo-1.1.0-rootfs.tar.gz" "$work/Demo-rootfs.tar.gz"
expect 1 'Demo-rootfs\.tar\.gz: no version in its name' "$mkimg" --from-tar "$work/Demo-rootfs.tar.gz" -o "$work/o"
expect 0 '^installed Demo-3\.0\.img' "$mkimg" --from-tar "$work/Demo-rootfs.tar.gz" --version 3.0 -o "$work/o"
cp "$work/Demo-1.1.0-rootfs.tar.gz" "$work/demo.tar.gz"
expect 1 'no NAME-X\.Y\.Z in its name' "$mkimg" --from-tar "$work/demo.tar.gz" -o "$work/o"
expect 0 '^installed Other-2\.0\.img from demo\.tar\.gz' \
	"$mkimg" --from-tar "$work/demo.tar.gz" --name Other --version 2.0 -o "$work/o"
expect 1 'not a \.tar\.gz file' "$mkimg" --from-tar "$work/demo.tar" -o "$work/o"
mkdir -p "$work/nokernel/boot" "$work/nokernel/etc"
tar -C "$work/nokernel" -czf "$work/Demo-4.0-rootfs.tar.gz" .
expect 1 'Demo-4\.0-rootfs\.tar\.gz holds no kernel at /boot/vmlinuz or /boot/bzImage' \
	"$mkimg" --from-tar "$work/Demo-4.0-rootfs.tar.gz" -o "$work/o"
head -c 100000 "$work/Demo-1.1.0-rootfs.tar.gz" >"$work/Demo-5.0-rootfs.tar.gz"
expect 1 'Demo-5\.0-rootfs\.tar\.gz: not a gzip file, or damaged' \
	"$mkimg" --from-tar "$work/Demo-5.0-rootfs.tar.gz" -o "$work/o"
expect 2 'exclude each other' "$mkimg" --from-tar "$work/Demo-rootfs.tar.gz" --rootfs "$demo"
expect 2 'squashfs' "$mkimg" --from-tar "$work/Demo-rootfs.tar.gz" --fs ext4
checks=$((checks + 1))
[ -z "$(find "$work/o" -name '*4.0*' -o -name '*5.0*' -o -name '*.tmp')" ] || fail "a refused build left files in $work/o"

# Not enough room: a 1 MiB file system cannot take the image.
if [ "$(id -u)" -eq 0 ] && mkdir "$work/small" && mount -t tmpfs -o size=1m tmpfs "$work/small"; then
	expect 1 'not enough room for Demo-1\.1\.0\.img in .* \(need [0-9]+ MiB, [0-9]+ MiB free\)' \
		"$mkimg" --from-tar "$work/Demo-1.1.0-rootfs.tar.gz" -o "$work/small"
	umount "$work/small"
fi

# As a user: the owners become root's; a device node cannot be unpacked.
if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null; then
	mkdir -p "$work/user/root/boot" "$work/user/root/dev"
	echo kernel >"$work/user/root/boot/vmlinuz"
	chown 1234:1234 "$work/user/root/boot/vmlinuz"
	tar -C "$work/user/root" -czf "$work/user/Demo-6.0-rootfs.tar.gz" .
	chown -R nobody "$work/user"
	chmod 755 "$work"
	expect 0 '^installed Demo-6\.0\.img' runuser -u nobody -- "$mkimg" --from-tar "$work/user/Demo-6.0-rootfs.tar.gz"
	listing=$(unsquashfs -lls -d '' "$work/user/Demo-6.0.img") || fail "unsquashfs cannot list Demo-6.0.img"
	grep -q ' root/root .* /boot/vmlinuz$' <<<"$listing" || fail "a user's build kept other owners than root's"
	mknod "$work/user/root/dev/null" c 1 3
	tar -C "$work/user/root" -czf "$work/user/Demo-7.0-rootfs.tar.gz" .
	chown nobody "$work/user/Demo-7.0-rootfs.tar.gz"
	expect 1 'Demo-7\.0-rootfs\.tar\.gz: tar cannot unpack it' \
		runuser -u nobody -- "$mkimg" --from-tar "$work/user/Demo-7.0-rootfs.tar.gz"
	checks=$((checks + 1))
fi

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]
