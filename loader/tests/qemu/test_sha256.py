#!/usr/bin/env python3
"""hopboot.verify=sha256 checks NAME.img.sha256 (sha256sum format), not the .sha1.

Card: Demo-1.2.0 with a right .sha1 but no .sha256, Demo-1.1.0 with a .sha256
of other bytes, Demo-1.0.0 with a right .sha256.  The loader passes over 1.2.0
("no checksum file Demo-1.2.0.img.sha256") and 1.1.0 ("checksum mismatch
(... Demo-1.1.0.img.sha256 says ...)") and boots 1.0.0 ("sha256 ok").
"""

import hashlib
import shutil
import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def write_sha256(image, data_from=None):
    digest = hashlib.sha256((data_from or image).read_bytes()).hexdigest()
    (image.parent / f"{image.name}.sha256").write_text(f"{digest}  {image.name}\n")


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    v120 = ctx.image_path("1.2.0")
    shutil.copyfile(images["1.1.0"], v120)
    qemuboot.write_sha1(v120)
    write_sha256(images["1.1.0"], data_from=images["1.0.0"])
    write_sha256(images["1.0.0"])
    card = ctx.make_card([images["1.0.0"], images["1.1.0"], v120], append="demo.poweroff hopboot.verify=sha256")
    with ctx.boot(card) as q:
        qemuboot.expect_rejected(q, "Demo-1.2.0.img", r"no checksum file Demo-1\.2\.0\.img\.sha256", "Demo-1.1.0.img")
        qemuboot.expect_rejected(q, "Demo-1.1.0.img",
                                 r"checksum mismatch \(file is [0-9a-f]{12}\.\.\., Demo-1\.1\.0\.img\.sha256 says "
                                 r"[0-9a-f]{12}", "Demo-1.0.0.img")
        qemuboot.expect_demo_boot(q, "1.0.0")
        q.assert_seen(r"hopboot: booting Demo-1\.0\.0 from card \(sha256 ok,")
        qemuboot.expect_poweroff(q)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
