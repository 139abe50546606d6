# shellcheck shell=bash
# bench/lib.sh: helpers of the initramfs builders in bench/ (sourced, never run).
#
# On top of images/lib.sh (die, note, scratch_dir, copy_busybox, ...):
#   insmod_order ROOT KVER MODULE...   module files of MODULE... and their
#                                      dependencies, in load order
#   copy_program ROOT PATH             a dynamically linked program with its libraries
#   write_archive ROOT FILE            ROOT as an xz cpio archive, as images/mkinitrd writes it

# shellcheck source-path=SCRIPTDIR source=../images/lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../images/lib.sh"

# insmod_order ROOT KVER MODULE...: prints, one a line, the paths (relative to
# ROOT/lib/modules/KVER) of the module files MODULE... need, dependencies first,
# each once.  Built-in modules need no file; modules the kernel lacks are skipped.
insmod_order() {
	local root=$1 kver=$2 module line path
	local prefix="$1/lib/modules/$2/"
	local -A seen=()
	shift 2
	need_command modprobe kmod
	for module in "$@"; do
		while read -r line; do
			[[ $line == insmod\ * ]] || continue
			path=${line#insmod }
			path=${path%% *}
			[[ $path == "$prefix"* ]] || die "modprobe named $path, outside $prefix"
			path=${path#"$prefix"}
			[[ -z ${seen[$path]:-} ]] || continue
			seen[$path]=1
			printf '%s\n' "$path"
		done < <(modprobe -d "$root" -S "$kver" -D "$module" 2>/dev/null || true)
	done
}

# copy_modules_in_order FROM_ROOT KVER TO_ROOT MODULE...: copies the module files
# MODULE... need from FROM_ROOT to TO_ROOT (same paths) and writes their load
# order to TO_ROOT/etc/insmod.order, which the /init scripts read.
copy_modules_in_order() {
	local from=$1 kver=$2 to=$3 file
	shift 3
	mkdir -p -- "$to/etc"
	: >"$to/etc/insmod.order"
	[[ -d $from/lib/modules/$kver ]] || return 0
	while read -r file; do
		mkdir -p -- "$to/lib/modules/$kver/$(dirname -- "$file")"
		cp -- "$from/lib/modules/$kver/$file" "$to/lib/modules/$kver/$file"
		printf '/lib/modules/%s/%s\n' "$kver" "$file" >>"$to/etc/insmod.order"
	done < <(insmod_order "$from" "$kver" "$@")
}

# copy_program ROOT PATH: PATH at ROOT/PATH with the shared libraries ldd names
# and its dynamic loader, at the paths they have on this host.
copy_program() {
	local root=$1 program=$2 line lib
	need_command ldd libc-bin
	mkdir -p -- "$root/$(dirname -- "$program")"
	cp -L -- "$program" "$root/$program" || die "cannot copy $program"
	while read -r line; do
		case $line in
		*'=> not found'*) die "$program needs ${line%% *}, which this host lacks" ;;
		*' => /'*) lib=${line#* => } ;;
		/*) lib=$line ;;
		*) continue ;;
		esac
		lib=${lib%% (0x*}
		mkdir -p -- "$root/$(dirname -- "$lib")"
		cp -L -- "$lib" "$root/$lib" || die "cannot copy $lib"
	done < <(ldd -- "$program")
}

# write_archive ROOT FILE: the same archive format as images/mkinitrd (newc, root-owned,
# xz with crc32 and a 1 MiB dictionary), so no initramfs is favoured by its compression.
write_archive() {
	local root=$1 file=$2 names
	need_command cpio cpio
	need_command xz xz-utils
	names=$(cd "$root" && find . | sort) || die "cannot list $root"
	(cd "$root" && cpio -o -H newc -R 0:0 --reproducible --quiet <<<"$names") |
		xz --check=crc32 --lzma2=preset=9e,dict=1MiB >"$file" || die "cannot write the archive $file"
}

# unpack_initramfs FILE DIR: FILE (a cpio archive, raw or xz/gzip/zstd/lz4-compressed) into DIR.
unpack_initramfs() {
	local file=$1 dir=$2 magic
	magic=$(od -An -tx1 -N 6 -- "$file" | tr -d ' \n')
	mkdir -p -- "$dir"
	case $magic in
	fd377a585a00) xz -dc -- "$file" ;;
	1f8b*) gzip -dc -- "$file" ;;
	28b52ffd*) zstd -dc -- "$file" ;;
	02214c18* | 04224d18*) lz4 -dc -- "$file" ;;
	303730373031) cat -- "$file" ;;
	*) die "$file: not a cpio archive this script can unpack (magic $magic)" ;;
	esac | (cd "$dir" && cpio -idm --quiet --no-absolute-filenames 2>/dev/null) ||
		die "cannot unpack $file"
}
