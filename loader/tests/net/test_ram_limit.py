#!/usr/bin/env python3
"""A fetched image too large for this machine's RAM is refused before it is fetched.

A fetched image exists four times while it is handed to its kernel (the fetched file in
RAM, its copy in the hand-off initramfs, and kexec_file_load's read buffer and segment
copy), so hopboot fetches only images up to (MemAvailable - 128 MiB) / 4
(pipeline_ram_limit, handed to libcurl as its maximum file size).  A 224 MiB guest can
never allow more than (224 - 128) / 4 = 24 MiB, and allows less than the 17 MiB demo
image: both network candidates are refused with one line each whose "at most N MiB fit"
keeps to that bound and is below the image's size, nginx is asked for each image once
and never sends one in full (curl gives up on the announced length).
A second source answers with Transfer-Encoding: chunked, so no length is announced: its
40 MiB Demo-1.2.0.img is refused by the running byte count with the same line, and the
server got to send less than the whole of it.  Then the card's own Demo-1.0.0 (no RAM
copy needed) boots.
"""

import re
import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
from netboot import image, qemuboot, servers  # noqa: E402

MEMORY_MIB = 224
RESERVE_MIB = 128      # what the rule keeps free
COPIES = 4             # the copies of a fetched image at the hand-over


CHUNKED_MIB = 40


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0")
    chunked = ctx.workdir / "chunked"
    chunked.mkdir(mode=0o755)
    big = qemuboot.make_random_image(chunked / image("1.2.0"), size=CHUNKED_MIB << 20)
    qemuboot.run_script("mkindex", chunked, build=ctx.build, log=ctx.tool_log)
    with servers.Nginx(served, ctx.workdir / "nginx") as nginx, \
            servers.FaultyHttp(chunked, ctx.workdir / "chunked-http", chunked=True, cuts=0,
                               pattern="*.img") as faulty:
        card = netboot.make_card(ctx, [nginx.url, faulty.url], card_versions=("1.0.0",))
        with qemuboot.Qemu(ctx.workdir / "boot.log", card=card, name="boot", net=True, memory=MEMORY_MIB,
                           hard_timeout=qemuboot.BOOT_HARD_TIMEOUT, give_up_on=netboot.GIVE_UP_ON) as q:
            netboot.expect_candidates_at(q, nginx.url, "1.1.0", "1.0.0")
            too_large = r"too large for this machine's RAM \(at most (\d+) MiB fit"
            limits = [int(qemuboot.expect_rejected(q, image("1.1.0"), too_large, image("1.0.0")).group(1)),
                      int(qemuboot.expect_rejected(q, image("1.0.0"), too_large).group(1))]
            netboot.expect_candidates_at(q, faulty.url, "1.2.0")
            chunked_limit = int(qemuboot.expect_rejected(q, image("1.2.0"), too_large).group(1))
            netboot.expect_card_fallback(q)
            qemuboot.expect_demo_boot(q, "1.0.0")
            qemuboot.expect_poweroff(q)
        # The limit follows (MemAvailable - 128 MiB) / 4: in this guest at most
        # (224 - 128) / 4 MiB whatever MemAvailable is (a rule of three copies and 64 MiB
        # would allow up to 53), and below the image, which is why it was refused.
        ceiling = (MEMORY_MIB - RESERVE_MIB) // COPIES
        for version, limit in zip(("1.1.0", "1.0.0"), limits):
            size = (served / image(version)).stat().st_size
            netboot.check(limit <= ceiling and limit << 20 < size,
                          f"{image(version)}: at most {limit} MiB fit, within ({MEMORY_MIB} - {RESERVE_MIB}) / "
                          f"{COPIES} = {ceiling} MiB and below its {size / (1 << 20):.1f} MiB")
        # curl gives up on the announced length, so the transfers stop after the headers
        # (nginx may have pushed a few MiB into the socket by then, never the whole image).
        for version in ("1.0.0", "1.1.0"):
            size = (served / image(version)).stat().st_size
            gets = netboot.nginx_gets(nginx, image(version))
            whole = [line for line in gets if line.split()[-1] == str(size)]
            netboot.check(len(gets) == 1 and not whole, f"{image(version)} requested once and not sent in full",
                          "\n".join(gets))
        # The chunked answer: stopped by the byte count, far short of its 40 MiB.
        netboot.check(chunked_limit <= ceiling, f"{image('1.2.0')} (chunked): at most {chunked_limit} MiB fit")
        gets = [line for line in faulty.requests() if f"GET /{image('1.2.0')} " in line]
        sent = [int(re.search(r"sent=(\d+)", line).group(1)) for line in gets if "CHUNKED" in line]
        netboot.check(len(sent) == 1 and sent[0] < big.stat().st_size,
                      f"{image('1.2.0')} sent chunked once, and not in full ({sent} of {big.stat().st_size} bytes)",
                      "\n".join(gets))


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
