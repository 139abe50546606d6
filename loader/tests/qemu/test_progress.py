#!/usr/bin/env python3
"""Hashing a large image on the card shows its progress.

Card: Demo-1.1.0 grown to about 200 MiB by zeros after its squashfs (the filesystem
ignores them; the .sha1 covers them), so checking it takes seconds under TCG.  The
serial console (a terminal) gets the updating status line "Demo-1.1.0.img: verifying
NN% (X of Y MiB, R MiB/s, S s left)" with the image's whole size, more than once with a
rising percentage, then the image boots.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402

PAD = 192 << 20
PROGRESS = r"hopboot: Demo-1\.1\.0\.img: verifying (\d+)% \([\d.]+ of ([\d.]+) MiB, [\d.]+ MiB/s, \d+ s left\)\n"


def main(ctx):
    images = ctx.stage_demo("1.1.0")
    big = images["1.1.0"]
    with open(big, "ab") as f:
        f.truncate(big.stat().st_size + PAD)
    qemuboot.write_sha1(big)
    total_mib = big.stat().st_size / (1 << 20)
    card = ctx.make_card([big], size=int(total_mib) + 96)
    with ctx.boot(card) as q:
        seen = [q.expect(PROGRESS, qemuboot.LOADER_TIMEOUT) for _ in range(2)]
        for m in seen:
            if abs(float(m.group(2)) - total_mib) > 0.1:
                q.fail(f"progress names {m.group(2)} MiB in all, the image has {total_mib:.1f}")
        if int(seen[0].group(1)) >= int(seen[1].group(1)):
            q.fail(f"the percentage does not rise: {seen[0].group(0)!r}, then {seen[1].group(0)!r}")
        qemuboot.expect_demo_boot(q, "1.1.0")
        qemuboot.expect_poweroff(q)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
