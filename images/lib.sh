# shellcheck shell=bash
# images/lib.sh: helpers shared by the scripts in images/ (sourced, never run).
#
# Gives every script the same error style, temp-file handling, argument checks
# and the list of kernel modules stage 2 needs. A script sources it with
#     source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
# and then has:
#   PROG                  the script's name, for messages
#   HOPBOOT_REPO          the repository top, found from this file's location
#   BUILD                 the build dir: $HOPBOOT_BUILD or $HOPBOOT_REPO/build
#   die / warn / note / usage_error / need_value / need_command / need_file
#   scratch_dir VAR       a private temp dir, removed on exit
#   temp_next_to VAR PATH a temp file beside PATH (same filesystem), removed on
#                         exit unless publish_file renames it into place
#   check_name / check_version / is_valid_version
#   split_long_options    turns --opt=value into --opt value
#   need_packages PKG...  apt-get install the Debian packages that are missing
#   add_keys / lock_prompt        signed mode: trusted keys in the initramfs, a locked
#                                 syslinux/pxelinux prompt (mkcard, mkpxe)
#   STAGE2_MODULES, copy_modules  kernel modules with their dependencies

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	echo "lib.sh: error: this file is sourced by the images/ scripts, not run" >&2
	exit 1
fi

PROG=${0##*/}
HOPBOOT_REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd -P)
# shellcheck disable=SC2034 # used by the scripts that source this file
BUILD=${HOPBOOT_BUILD:-$HOPBOOT_REPO/build}
# Tools like mkfs.vfat, sfdisk and depmod live in sbin, which a user's PATH may lack.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
export PATH
# Sort, ls and messages of the tools we parse must not depend on the caller's locale.
export LC_ALL=C
# bash 5.2 would otherwise expand '&' in ${var//pattern/replacement}.
shopt -u patsub_replacement 2>/dev/null || true

# die MESSAGE: one line on stderr, exit 1.
die() {
	printf '%s: error: %s\n' "$PROG" "$*" >&2
	exit 1
}

# usage_error MESSAGE: one line on stderr, exit 2.
usage_error() {
	printf '%s: error: %s (see %s --help)\n' "$PROG" "$*" "$PROG" >&2
	exit 2
}

warn() {
	printf '%s: warning: %s\n' "$PROG" "$*" >&2
}

# note MESSAGE: progress for the person running the build.
note() {
	printf '%s: %s\n' "$PROG" "$*"
}

# need_value "$@": called on the remaining arguments when $1 is an option
# that takes a value; it must have one.
need_value() {
	[[ $# -ge 2 ]] || usage_error "option $1 needs a value"
}

# need_command COMMAND PACKAGE: die naming the Debian package when COMMAND is missing.
need_command() {
	command -v "$1" >/dev/null 2>&1 ||
		die "$1 not found (install the Debian package $2)"
}

# need_file PATH WHAT [HINT]: die unless PATH is a readable regular file.
need_file() {
	[[ -f $1 && -r $1 ]] || die "$2 $1 not found${3:+ ($3)}"
}

# split_long_options ARGS...: sets SPLIT_ARGS to ARGS with every --opt=value
# before a lone -- split into --opt value.
split_long_options() {
	SPLIT_ARGS=()
	while [[ $# -gt 0 ]]; do
		case $1 in
		--) SPLIT_ARGS+=("$@"); return ;;
		--*=*) SPLIT_ARGS+=("${1%%=*}" "${1#*=}") ;;
		*) SPLIT_ARGS+=("$1") ;;
		esac
		shift
	done
}

# is_valid_version X.Y.Z: the version syntax the loader sorts by.
is_valid_version() {
	[[ $1 =~ ^[0-9]+(\.[0-9]+)*$ ]]
}

check_version() {
	is_valid_version "$1" ||
		die "invalid version '$1' (want digits separated by dots, e.g. 1.2.0)"
}

# check_name NAME: an OS name usable in NAME-X.Y.Z.img and on the kernel command line.
check_name() {
	[[ -n $1 ]] || die "the name must not be empty"
	[[ $1 != -* ]] || die "invalid name '$1' (must not start with '-')"
	[[ $1 != */* ]] || die "invalid name '$1' (must not contain '/')"
	[[ ! $1 =~ [[:space:]] ]] || die "invalid name '$1' (must not contain whitespace)"
	[[ ! $1 =~ [[:cntrl:]] ]] || die "invalid name '$1' (must not contain control characters)"
}

# check_megabytes OPTION VALUE MIN: a whole number of MiB, at least MIN.
check_megabytes() {
	[[ $2 =~ ^[0-9]+$ ]] || usage_error "$1 wants a whole number of MiB, not '$2'"
	((10#$2 >= $3)) || die "$1 $2 is too small (at least $3 MiB)"
}

# need_packages PACKAGE...: installs the Debian packages that are not installed
# (apt-get, as root or through sudo), the way ci/deps does.
need_packages() {
	local package
	local -a missing=() sudo=()
	for package in "$@"; do
		[[ $(dpkg-query -W -f='${Status}' "$package" 2>/dev/null) == "install ok installed" ]] ||
			missing+=("$package")
	done
	[[ ${#missing[@]} -gt 0 ]] || return 0
	if [[ $(id -u) -ne 0 ]]; then
		command -v sudo >/dev/null 2>&1 || die "not root and no sudo; install: ${missing[*]}"
		sudo=(sudo)
	fi
	note "installing ${missing[*]}"
	# Only when the package lists are stale does the first try fail: update then.
	if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
		"${sudo[@]}" apt-get update -qq || die "apt-get update failed"
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >/dev/null ||
			die "apt-get install ${missing[*]} failed"
	fi
}

# --- temp files -------------------------------------------------------------

CLEANUP_PATHS=()

cleanup() {
	local path
	for path in "${CLEANUP_PATHS[@]}"; do
		if [[ -e $path || -L $path ]]; then
			chmod -R u+rwX -- "$path" 2>/dev/null || true
			rm -rf -- "$path" || true
		fi
	done
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# scratch_dir VAR: sets VAR to a fresh private directory removed on exit.
# Call it directly, not in $( ), or the removal is not registered.
scratch_dir() {
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/hopboot-$PROG.XXXXXX") ||
		die "cannot create a temp dir in ${TMPDIR:-/tmp}"
	CLEANUP_PATHS+=("$dir")
	printf -v "$1" '%s' "$dir"
}

# temp_next_to VAR PATH [d]: sets VAR to a new temp file (or dir, with d) in
# PATH's directory, so publish_file can rename it into place atomically.
temp_next_to() {
	local dir base path
	dir=$(dirname -- "$2")
	base=$(basename -- "$2")
	[[ -d $dir ]] || die "directory $dir does not exist"
	if [[ ${3:-} == d ]]; then
		path=$(mktemp -d "$dir/.$base.tmp.XXXXXX") || die "cannot create a temp dir in $dir"
	else
		path=$(mktemp "$dir/.$base.tmp.XXXXXX") || die "cannot create a temp file in $dir"
	fi
	CLEANUP_PATHS+=("$path")
	printf -v "$1" '%s' "$path"
}

# publish_file TEMP FINAL: give TEMP the usual mode for new files and rename it to FINAL.
publish_file() {
	chmod "$(printf '%o' $((0666 & ~0$(umask))))" -- "$1"
	mv -f -- "$1" "$2" || die "cannot rename $1 to $2"
}

# --- signed mode: keys in the initramfs, a locked prompt ----------------------------

# add_keys INITRD OUT SCRATCH PASSWORD_HASH KEY...: OUT is INITRD with the minisign
# public keys KEY... in /etc/hopboot/keys/ (for hopboot.verify=signed) and, unless
# PASSWORD_HASH is empty, an /etc/passwd giving root that crypt(3) hash (the rescue
# shell asks for it), as one more cpio archive after it (the kernel unpacks concatenated
# archives in order).  The kernel reads each archive from a 4-byte boundary
# (buffer-format.rst: NULs pad between them): a zstd archive may end anywhere, so OUT is
# padded with NULs to one first.
add_keys() {
	local initrd=$1 out=$2 root=$3/keys-root hash=$4 key base
	shift 4
	need_command cpio cpio
	mkdir -p -- "$root/etc/hopboot/keys"
	if [[ -n $hash ]]; then
		[[ $hash =~ ^\$[0-9a-z]+\$[^:[:space:]]+$ ]] ||
			die "the rescue password must be a crypt(3) hash such as 'openssl passwd -6' prints"
		printf 'root:%s:0:0:root:/:/bin/sh\n' "$hash" >"$root/etc/passwd"
	fi
	for key in "$@"; do
		need_file "$key" "public key"
		[[ $(sed -n 2p -- "$key") =~ ^RW[A-Za-z0-9+/]{54}$ ]] || die "$key is not a minisign public key"
		base=${key##*/}
		cp -- "$key" "$root/etc/hopboot/keys/${base%.pub}.pub"
	done
	cp -- "$initrd" "$out"
	truncate -s %4 -- "$out" || die "cannot pad $out"
	(cd "$root" && find etc | sort | cpio -o -H newc -R 0:0 --quiet) >>"$out" ||
		die "cannot add the keys and the password to the initramfs"
}

# lock_prompt CFG: syslinux (or pxelinux) takes no typed options (ALLOWOPTIONS 0) and no key reaches its
# prompt (NOESCAPE 1), so nobody at the console can lower a signed card's policy
# (hopboot.verify=sha1) or pick another init.  For signed cards: --key, or
# hopboot.verify=signed in --append.
lock_prompt() {
	local cfg=$1
	awk '{ print } /^PROMPT 0$/ { print "ALLOWOPTIONS 0"; print "NOESCAPE 1" }' "$cfg" >"$cfg.locked" ||
		die "cannot write $cfg"
	grep -q '^NOESCAPE 1$' "$cfg.locked" || die "syslinux.cfg.in has no 'PROMPT 0' line to lock"
	mv -- "$cfg.locked" "$cfg"
}

# --- kernel modules ---------------------------------------------------------

# What stage 2 loads before switching root: block devices of QEMU and PCs
# (IDE, virtio), the card (vfat + code pages), the image (loop + squashfs,
# erofs or ext4), the keydisk (ext4) and the union (overlay).
# shellcheck disable=SC2034 # used by the scripts that source this file
STAGE2_MODULES=(
	loop squashfs erofs ext4 overlay vfat nls_cp437 nls_ascii nls_iso8859_1 nls_utf8
	ata_piix ata_generic sd_mod virtio_blk virtio_pci virtio_scsi virtio_net
)

# module_files KERNEL_DIR KVER MODULE...: sets MODULE_FILES to the paths
# (relative to lib/modules/KVER, sorted, unique) of the module files the
# modules need, dependencies included. Built-in modules need no file; a
# module the kernel lacks is warned about and skipped.
module_files() {
	local kernel_dir=$1 kver=$2 module output line path
	local prefix="$kernel_dir/lib/modules/$kver/"
	local -a found=()
	shift 2
	need_command modprobe kmod
	for module in "$@"; do
		if ! output=$(modprobe -d "$kernel_dir" -S "$kver" -D "$module" 2>/dev/null); then
			warn "kernel $kver has no module $module, skipped"
			continue
		fi
		while read -r line; do
			[[ $line == insmod\ * ]] || continue
			path=${line#insmod }
			path=${path%% *}
			[[ $path == "$prefix"* ]] || die "modprobe named $path, outside $prefix"
			found+=("${path#"$prefix"}")
		done <<<"$output"
	done
	MODULE_FILES=()
	if [[ ${#found[@]} -gt 0 ]]; then
		mapfile -t MODULE_FILES < <(printf '%s\n' "${found[@]}" | sort -u)
	fi
}

# copy_modules KERNEL_DIR KVER ROOT MODULE...: copies the modules with their
# dependencies to ROOT/lib/modules/KVER (same relative paths) and runs depmod there.
copy_modules() {
	local kernel_dir=$1 kver=$2 root=$3 file
	local source="$kernel_dir/lib/modules/$kver" target="$3/lib/modules/$kver"
	shift 3
	[[ -d $source ]] || die "no modules at $source (run images/fetch-kernel)"
	need_command depmod kmod
	module_files "$kernel_dir" "$kver" "$@"
	mkdir -p -- "$target"
	for file in "${MODULE_FILES[@]}"; do
		mkdir -p -- "$target/$(dirname -- "$file")"
		cp -- "$source/$file" "$target/$file"
	done
	# depmod needs these to know what is built in and the load order.
	for file in modules.builtin modules.builtin.modinfo modules.order; do
		if [[ -f $source/$file ]]; then cp -- "$source/$file" "$target/$file"; fi
	done
	depmod -b "$root" "$kver" || die "depmod -b $root $kver failed"
}

# kernel_version KERNEL_DIR: prints the KVER recorded by fetch-kernel.
kernel_version() {
	local kver
	[[ -f $1/version ]] || die "no kernel at $1 ($1/version missing: run images/fetch-kernel -o $1)"
	read -r kver <"$1/version" || true
	[[ -n $kver && -d $1/lib/modules/$kver ]] || die "$1/version names no modules under $1/lib/modules"
	printf '%s\n' "$kver"
}

# copy_busybox ROOT: the static busybox at ROOT/bin/busybox plus a symlink for
# every applet in the usual directories.
copy_busybox() {
	local root=$1 busybox applets applet
	busybox=$(command -v busybox) || die "busybox not found (install the Debian package busybox-static)"
	busybox=$(readlink -f -- "$busybox")
	is_static "$busybox" || die "$busybox is not statically linked (install the Debian package busybox-static)"
	mkdir -p -- "$root/bin"
	cp -- "$busybox" "$root/bin/busybox"
	applets=$("$root/bin/busybox" --list-full) || die "$busybox --list-full failed"
	while read -r applet; do
		case $applet in
		bin/busybox) continue ;;
		bin/* | sbin/* | usr/bin/* | usr/sbin/*) ;;
		*) continue ;;
		esac
		mkdir -p -- "$root/${applet%/*}"
		ln -sf /bin/busybox "$root/$applet"
	done <<<"$applets"
	[[ -L $root/bin/sh ]] || ln -s /bin/busybox "$root/bin/sh"
}

# is_static FILE: true when the ELF FILE asks for no program interpreter.
is_static() {
	local headers
	need_command readelf binutils
	headers=$(readelf -l -- "$1" 2>/dev/null) || die "$1 is not an ELF file"
	[[ $headers != *'Requesting program interpreter'* ]]
}

# set_mtimes DIR EPOCH: every file in DIR gets time EPOCH, for reproducible images.
set_mtimes() {
	find "$1" -depth -exec touch -h -d "@$2" -- {} +
}

# --- keydisk ----------------------------------------------------------------

# make_keydisk FILE MB LABEL: FILE becomes an empty ext4 file system of MB MiB,
# the keydisk that holds the OS's persistent changes (the overlay's upper layer).
make_keydisk() {
	need_command mkfs.ext4 e2fsprogs
	truncate -s "$2M" -- "$1" || die "cannot create $1"
	mkfs.ext4 -F -q -L "$3" -- "$1" >/dev/null || die "mkfs.ext4 $1 failed"
}

# check_ext4_label LABEL: ext4 labels hold at most 16 bytes.
check_ext4_label() {
	[[ -n $1 && ${#1} -le 16 && ! $1 =~ [[:space:][:cntrl:]] ]] ||
		die "invalid keydisk label '$1' (1 to 16 characters, no whitespace)"
}

# write_syslinux_cfg TEMPLATE FILE NAME APPEND: the template with @NAME@ and
# @APPEND@ filled in (literally: no character in them is special).
write_syslinux_cfg() {
	local template=$1 file=$2 name=$3 append=$4 line
	need_file "$template" "syslinux template"
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line//@NAME@/"$name"}
		line=${line//@APPEND@/"$append"}
		line=${line%"${line##*[![:space:]]}"}
		printf '%s\n' "$line"
	done <"$template" >"$file"
}
