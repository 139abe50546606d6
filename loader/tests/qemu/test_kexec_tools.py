#!/usr/bin/env python3
"""hopboot loads the image's kernel with kexec-tools when told to, and warns about keys
it does not know without stopping the boot.

Card: Demo-1.0.0 and Demo-1.1.0 with `hopboot.kexec=tools hopboot.frobnicate=1` on the
APPEND line.  The loader says it loaded the image with kexec-tools (the fallback path it
takes when kexec_file_load is missing or refused), names the unknown key in one line,
and 1.1.0 boots as usual.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    card = ctx.make_card(images.values(), append="demo.poweroff hopboot.kexec=tools hopboot.frobnicate=1")
    with ctx.boot(card) as q:
        q.expect(r"hopboot: hopboot\.frobnicate=1: unknown key, ignored\s", qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot: loaded Demo-1\.1\.0\.img with kexec-tools \(hopboot\.kexec=tools\)\s",
                 qemuboot.LOADER_TIMEOUT)
        qemuboot.expect_demo_boot(q, "1.1.0")
        qemuboot.expect_poweroff(q)
        q.expect_not(r"kexec_file_load refused")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
