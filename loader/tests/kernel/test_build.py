#!/usr/bin/env python3
"""The small loader kernel and its lean initramfs build, and fit their budgets.

images/mkloaderkernel builds the kernel from kernel-config (or takes the cached one
from BUILD/loader-kernel) into BUILD/small-loader/bzImage: at most 4 MiB, no module
support.  A fragment whose options cannot all survive olddefconfig is refused with
exit 1 naming the option, and leaves the cache alone: the next run with kernel-config
copies the cached bzImage without building (its build.log stays untouched).
images/mkinitrd --no-modules --small writes BUILD/small-loader/initrd.img (and its
listing, initrd.list): no /lib/modules, no shared libcurl (hopboot links the lean
static one), no larger than the design's 4 MiB (smallkernel.INITRD_CEILING), and with
the kernel within the design's 8 MiB.

This is the ctest fixture of the other kernel tests, which boot these two files.  It
needs no QEMU and does not look for it; how long the builds take is printed, never
asserted (bench/ measures).  Exit status 0 pass, 1 fail.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.dont_write_bytecode = True
import smallkernel  # noqa: E402
from smallkernel import check, mib, note, qemuboot  # noqa: E402

# A fragment that turns off what the NFS client depends on: its options must be refused.
BROKEN = ("CONFIG_NETWORK_FILESYSTEMS=y", "# CONFIG_NETWORK_FILESYSTEMS is not set")


def mkloaderkernel(ctx, *args):
    """Run images/mkloaderkernel; return (status, stdout, stderr, seconds)."""
    argv = [qemuboot.IMAGES_DIR / "mkloaderkernel", *args]
    note(f"run images/mkloaderkernel {' '.join(str(arg) for arg in args)}")
    start = time.monotonic()
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            env=dict(os.environ, HOPBOOT_BUILD=str(ctx.build)))
    seconds = time.monotonic() - start
    with open(ctx.tool_log, "a") as log:
        log.write(f"$ {' '.join(map(str, argv))}\n{result.stdout}{result.stderr}(exit {result.returncode})\n")
    return result.returncode, result.stdout, result.stderr, seconds


def build_kernel(ctx, out):
    status, stdout, stderr, seconds = mkloaderkernel(ctx, "-o", out)
    if status != 0:
        raise qemuboot.TestFailure(f"mkloaderkernel failed with status {status}\n{stderr}{stdout}")
    note(f"mkloaderkernel: {seconds:.0f} s\n{stdout.rstrip()}")
    size = out.stat().st_size
    check(size <= smallkernel.KERNEL_BUDGET, f"bzImage is {size} bytes ({mib(size)}), at most 4 MiB")
    config = (ctx.build / smallkernel.WORK_DIR / "config").read_text()
    check("# CONFIG_MODULES is not set" in config, "the kernel has no module support (CONFIG_MODULES off)")
    note(f"bzImage: Linux {smallkernel.release_of(out)}")


def check_refusal_and_cache(ctx, out):
    fragment = (qemuboot.REPO_ROOT / "kernel-config").read_text()
    check(BROKEN[0] in fragment, f"kernel-config sets {BROKEN[0]}")
    broken = ctx.workdir / "broken-config"
    broken.write_text(fragment.replace(BROKEN[0], BROKEN[1]))
    status, stdout, stderr, _ = mkloaderkernel(ctx, "-o", ctx.workdir / "broken-bzImage", "--config", broken)
    check(status == 1, f"a fragment with dropped options is refused with status 1 (got {status})", stderr)
    check("CONFIG_NFS_FS=y" in stderr and "CONFIG_NFS_V4=y" in stderr,
          "the refusal names the dropped options CONFIG_NFS_FS=y and CONFIG_NFS_V4=y", stderr)
    check(not (ctx.workdir / "broken-bzImage").exists(), "the refused build wrote no bzImage")

    before = out.read_bytes()
    # A build starts by emptying the work dir's build.log: a cached run leaves it as it is.
    build_log = ctx.build / smallkernel.WORK_DIR / "build.log"
    log_before = build_log.stat()
    status, stdout, stderr, seconds = mkloaderkernel(ctx, "-o", out)
    check(status == 0 and "cached" in stdout, "the second run with kernel-config takes the cached bzImage",
          stdout + stderr)
    log_after = build_log.stat()
    check((log_after.st_mtime_ns, log_after.st_size) == (log_before.st_mtime_ns, log_before.st_size),
          f"the cached run built nothing ({build_log.name} untouched)")
    note(f"the cached run took {seconds:.1f} s (printed, not checked)")
    check(out.read_bytes() == before, "the cached bzImage is the one built")


def build_initrd(ctx, kernel, out, listing_file):
    listing = qemuboot.run_script("mkinitrd", "-o", out, "--no-modules", "--small", "--list",
                                  build=ctx.build, log=ctx.tool_log)
    listing_file.write_text(listing)
    files = []
    for line in listing.splitlines():
        size, _, path = line.partition(" ")
        if size.isdigit() and path.startswith("/"):
            files.append((int(size), path))
    check(any(path == "/init" for _, path in files), "the initramfs has /init", listing)
    modules = [path for _, path in files if path.startswith("/lib/modules")]
    check(not modules, "the initramfs has no /lib/modules", "\n".join(modules))
    size, total = out.stat().st_size, out.stat().st_size + kernel.stat().st_size
    check(f"total compressed: {size} bytes" in listing, "mkinitrd --list gives the archive's size", listing)
    curl = [path for _, path in files if "/libcurl" in path]
    check(not curl, "hopboot links the lean static libcurl (HOPBOOT_LEAN_CURL), no shared one", "\n".join(curl))
    check(size <= smallkernel.INITRD_CEILING,
          f"initrd.img is {size} bytes ({mib(size)}), at most {mib(smallkernel.INITRD_CEILING)}")
    check(total <= smallkernel.TOTAL_TARGET,
          f"kernel + initramfs are {total} bytes ({mib(total)}), at most {mib(smallkernel.TOTAL_TARGET)}")
    note(f"against the design's targets: initramfs {mib(size)} of {mib(smallkernel.INITRD_TARGET)}, "
         f"kernel + initramfs {mib(total)} of {mib(smallkernel.TOTAL_TARGET)}")
    unpacked = sum(size for size, _ in files)
    top = "\n".join(f"  {size:>9} {path}" for size, path in sorted(files, reverse=True)[:10])
    note(f"initramfs: {len(files)} files, {unpacked} bytes ({mib(unpacked)}) unpacked; largest:\n{top}")


def main(ctx):
    out = ctx.build / smallkernel.OUT_DIR
    out.mkdir(exist_ok=True)
    kernel = smallkernel.kernel_path(ctx.build)
    build_kernel(ctx, kernel)
    check_refusal_and_cache(ctx, kernel)
    build_initrd(ctx, kernel, smallkernel.initrd_path(ctx.build), out / "initrd.list")


def run():
    """qemuboot.run() without its QEMU check (building boots nothing): parse --build and
    --workdir, run main(Context), return 0 or 1."""
    parser = argparse.ArgumentParser(prog=Path(sys.argv[0]).name, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path,
                        default=Path(os.environ.get("HOPBOOT_BUILD", qemuboot.REPO_ROOT / "build")),
                        help="CMake build directory (default: $HOPBOOT_BUILD or <repo>/build)")
    parser.add_argument("--workdir", type=Path,
                        help="scratch directory (default: a fresh temporary one, removed on success)")
    args = parser.parse_args()
    name = Path(sys.argv[0]).stem
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix=f"hopboot-{name}-"))
    workdir.mkdir(parents=True, exist_ok=True)
    note(f"{name}: build {args.build}, workdir {workdir}")
    try:
        main(qemuboot.Context(args.build, workdir, name, args))
    except qemuboot.TestFailure as failure:
        print(f"FAIL: {name}: {failure}\n{name}: workdir kept: {workdir}", flush=True)
        return qemuboot.EXIT_FAIL
    except Exception:
        traceback.print_exc()
        print(f"FAIL: {name}: unexpected error (see traceback above)\n{name}: workdir kept: {workdir}", flush=True)
        return qemuboot.EXIT_FAIL
    print(f"PASS: {name}", flush=True)
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return qemuboot.EXIT_PASS


if __name__ == "__main__":
    sys.exit(run())
