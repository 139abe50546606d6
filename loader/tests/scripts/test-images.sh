#!/usr/bin/env bash
# test-images.sh - the images/ tools do what they promise and refuse bad input with exit 1
# (exit 2 for usage errors) and one line naming the problem.  No QEMU: the boots are the
# qemu label's job.  Uses small fake kernels, so it runs in seconds.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
images=$repo/images
work=$(mktemp -d /tmp/test-images-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
checks=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check() { checks=$((checks + 1)); }

# expect STATUS PATTERN CMD...: CMD exits with STATUS and its stderr matches PATTERN.
expect() {
    local status=$1 pattern=$2 got=0
    shift 2
    check
    "$@" >"$work/out" 2>"$work/err" || got=$?
    [ "$got" -eq "$status" ] || fail "$* exited $got, expected $status: $(head -c 300 "$work/err")"
    grep -qE -- "$pattern" "$work/err" "$work/out" || fail "$*: no '$pattern' in: $(head -c 300 "$work/err")"
}

for tool in mkimg mkkeydisk mkcard mkinitrd demo-rootfs fetch-kernel mkloaderkernel mklibcurl mkindex signoverlay; do
    expect 0 '^[Uu]sage' "$images/$tool" --help
    expect 2 '' "$images/$tool" --no-such-option
done

# mkimg
root=$work/root
mkdir -p "$root/boot" "$root/sbin"
expect 1 'kernel' "$images/mkimg" --rootfs "$root" --name Demo --version 1.0.0 -o "$work/out1"
echo fake-kernel >"$root/boot/vmlinuz"
for bad in 1.0a .1 1. 1..2 -1; do
    expect 1 'version' "$images/mkimg" --rootfs "$root" --name Demo --version "$bad" -o "$work/out1"
done
expect 2 'version' "$images/mkimg" --rootfs "$root" --name Demo --version '' -o "$work/out1"
for bad in 'a b' a/b -x; do
    expect 1 'name' "$images/mkimg" --rootfs "$root" --name "$bad" --version 1.0.0 -o "$work/out1"
done
expect 2 'compressor' "$images/mkimg" --rootfs "$root" --name Tiny --version 0.4.10 -o "$work/out1" --comp bzip2
expect 2 'squashfs' "$images/mkimg" --rootfs "$root" --name Tiny --version 0.4.10 -o "$work/out1" --comp lz4 --fs ext4
expect 0 '' "$images/mkimg" --rootfs "$root" --name Tiny --version 0.4.10 -o "$work/lz4" --comp lz4
check
unsquashfs -s "$work/lz4/Tiny-0.4.10.img" | grep -q '^Compression lz4$' || fail "mkimg --comp lz4 did not make an lz4 squashfs"
expect 0 '' "$images/mkimg" --rootfs "$root" --name Tiny --version 0.4.10 -o "$work/out1"
check
(cd "$work/out1" && sha1sum --quiet -c Tiny-0.4.10.img.sha1) || fail "mkimg wrote a .sha1 that does not check"
check
[ "$(blkid -o value -s TYPE "$work/out1/Tiny-0.4.10.img")" = squashfs ] || fail "mkimg did not write squashfs"

# signoverlay: the trusted comment names the URL and the serial, minisign -V checks it
minisign -G -W -p "$work/overlay.pub" -s "$work/overlay.key" >/dev/null
echo overlay >"$work/m.tar.gz"
url='http://10.0.2.2/overlays/52:54:00:12:34:56.tar.gz'
expect 0 'serial 7' "$images/signoverlay" --key "$work/overlay.key" --url "$url" --serial 7 "$work/m.tar.gz"
check
minisign -V -p "$work/overlay.pub" -m "$work/m.tar.gz" -q -o >/dev/null || fail "signoverlay wrote a signature minisign -V refuses"
check
grep -qP "^trusted comment: timestamp:[0-9]+\turl:\Q$url\E\tserial:7$" "$work/m.tar.gz.minisig" ||
    fail "signoverlay's trusted comment: $(grep '^trusted' "$work/m.tar.gz.minisig")"
expect 1 'still holds' "$images/signoverlay" --key "$work/overlay.key" --url "http://x/\${mac}.tar.gz" "$work/m.tar.gz"
expect 1 'serial' "$images/signoverlay" --key "$work/overlay.key" --url "$url" --serial 07 "$work/m.tar.gz"
expect 1 'URL of a file' "$images/signoverlay" --key "$work/overlay.key" --url 'http://x/dir/' "$work/m.tar.gz"
expect 2 'key' "$images/signoverlay" --url "$url" "$work/m.tar.gz"

# mkkeydisk
expect 0 '' "$images/mkkeydisk" -o "$work/kd.img" --size 8
check
[ "$(blkid -o value -s TYPE "$work/kd.img")" = ext4 ] || fail "mkkeydisk did not write ext4"
expect 1 'exists' "$images/mkkeydisk" -o "$work/kd.img" --size 8

# mkcard
echo fake-loader >"$work/bzImage"
echo fake-initrd >"$work/initrd.img"
loader=(--loader-kernel "$work/bzImage" --loader-initrd "$work/initrd.img")
expect 1 'Missing-1.0.img' "$images/mkcard" -o "$work/card.img" "${loader[@]}" "$work/Missing-1.0.img"
expect 1 'build' "$images/mkcard" -o "$work/card.img" --loader-kernel "$work/nope" --loader-initrd "$work/initrd.img"
expect 2 '' "$images/mkcard" -o "$work/card.img" "${loader[@]}" --keydisk "$work/kd.img" --no-keydisk
expect 0 '' "$images/mkcard" -o "$work/card.img" "${loader[@]}" --name Tiny --append 'quiet x=1' \
    "$work/out1/Tiny-0.4.10.img"
listing=$(mdir -a -b -i "$work/card.img@@1048576" ::) || fail "the card has no FAT at 1 MiB"
for file in syslinux.cfg ldlinux.sys ldlinux.c32 bzImage initrd.img Tiny-0.4.10.img Tiny-0.4.10.img.sha1 kd.img; do
    check
    grep -q "/$file\$" <<<"$listing" || fail "card lacks $file"
done
cfg=$(mtype -i "$work/card.img@@1048576" ::/syslinux.cfg)
check
grep -q 'hopboot.name=Tiny quiet x=1' <<<"$cfg" || fail "syslinux.cfg lacks the name and APPEND: $cfg"
check
grep -q 'hopboot.rescue' <<<"$cfg" || fail "syslinux.cfg lacks the rescue label"
check
! grep -qE '^(ALLOWOPTIONS|NOESCAPE)' <<<"$cfg" || fail "an unsigned card's syslinux.cfg locks the prompt: $cfg"
# A signed card: syslinux takes no typed options and no key reaches its prompt.
expect 0 '' "$images/mkcard" -o "$work/signed.img" "${loader[@]}" --name Tiny \
    --append 'hopboot.verify=signed' "$work/out1/Tiny-0.4.10.img"
cfg=$(mtype -i "$work/signed.img@@1048576" ::/syslinux.cfg)
check
if ! grep -qx 'ALLOWOPTIONS 0' <<<"$cfg" || ! grep -qx 'NOESCAPE 1' <<<"$cfg"; then
    fail "a signed card's syslinux.cfg lacks ALLOWOPTIONS 0 / NOESCAPE 1: $cfg"
fi
rm -f "$work/signed.img"
check
sfdisk -d "$work/card.img" | grep -q 'bootable' || fail "the partition is not bootable"
check
cmp -n 440 "$work/card.img" /usr/lib/syslinux/mbr/mbr.bin || fail "no syslinux MBR"

# mkloaderkernel: refusals before it installs or builds anything (building is the kernel label's)
expect 2 '-o FILE' "$images/mkloaderkernel"
expect 2 'jobs' "$images/mkloaderkernel" -o "$work/bzImage-small" --jobs many
expect 1 'fragment' "$images/mkloaderkernel" -o "$work/bzImage-small" --config "$work/no-such-fragment"

# mklibcurl: refusals before it fetches or builds anything (the CMake build runs it)
expect 2 '-o DIR' "$images/mklibcurl"
expect 2 'jobs' "$images/mklibcurl" -o "$work/lean-curl" --jobs 0

# mkinitrd: a kernel dir and no modules contradict each other
expect 2 'exclude' "$images/mkinitrd" -o "$work/initrd-small.img" --no-modules --kernel-dir "$work"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
