#!/usr/bin/env python3
"""A fetched image too large for this machine's RAM is refused before it is fetched.

A fetched image exists three times while it is handed to its kernel (the RAM file, its
copy in the hand-off initramfs, the kernel's kexec copy), so hopboot fetches only what
(MemAvailable - 64 MiB) / 3 allows.  In a 224 MiB guest that is less than the 11.6 MiB
demo image: both network candidates are refused with one line each, nothing big is
downloaded, and the card's own Demo-1.0.0 (no RAM copy needed) boots.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
from netboot import image, qemuboot, servers  # noqa: E402

MEMORY_MIB = 224


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0")
    with servers.Nginx(served, ctx.workdir / "nginx") as nginx:
        card = netboot.make_card(ctx, [nginx.url], card_versions=("1.0.0",))
        with qemuboot.Qemu(ctx.workdir / "boot.log", card=card, name="boot", net=True, memory=MEMORY_MIB,
                           hard_timeout=qemuboot.BOOT_HARD_TIMEOUT, give_up_on=netboot.GIVE_UP_ON) as q:
            netboot.expect_candidates_at(q, nginx.url, "1.1.0", "1.0.0")
            too_large = r"too large for this machine's RAM \(at most \d+ MiB fit"
            qemuboot.expect_rejected(q, image("1.1.0"), too_large, image("1.0.0"))
            qemuboot.expect_rejected(q, image("1.0.0"), too_large)
            netboot.expect_card_fallback(q)
            qemuboot.expect_demo_boot(q, "1.0.0")
            qemuboot.expect_poweroff(q)
        # curl gives up on the announced length, so the transfers stop after the headers
        # (nginx may have pushed a few MiB into the socket by then, never the whole image).
        for version in ("1.0.0", "1.1.0"):
            size = (served / image(version)).stat().st_size
            gets = netboot.nginx_gets(nginx, image(version))
            whole = [line for line in gets if line.split()[-1] == str(size)]
            netboot.check(len(gets) == 1 and not whole, f"{image(version)} requested once and not sent in full",
                          "\n".join(gets))


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
