#!/usr/bin/env python3
"""The interactive ci/demo, typed at as a person would (its console on a pipe).

run 1  ci/demo --fresh: a new demo card; Demo-1.1.0 boots, the demo OS prints its
       three recipes and the demo# prompt.  `reboot` there restarts the machine in the
       same QEMU (no -no-reboot): the loader runs again and Demo-1.1.0 boots again, now
       confirmed.  `poweroff` ends QEMU with status 0.
run 2  ci/demo: "using the card kept from the last run"; the boot shows no trial for
       Demo-1.1.0 (run 1 confirmed it on that card), then `poweroff`.
"""

import os
import sys
from pathlib import Path

sys.dont_write_bytecode = True
REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "loader/tests/qemu"))
import qemuboot  # noqa: E402

PROMPT = r"^demo# "


class Demo(qemuboot.Qemu):
    """ci/demo itself in place of a QEMU command line (it execs QEMU)."""

    def __init__(self, log_path, args):
        super().__init__(log_path, kernel="unused", hard_timeout=300)
        self.args = args

    def command(self):
        return [str(REPO / "ci/demo"), "--no-build", *self.args]


def main(ctx):
    os.environ["HOPBOOT_BUILD"] = str(ctx.build)
    with Demo(ctx.workdir / "run1.log", ["--fresh"]) as q:
        q.expect(r"hopboot: Demo-1\.1\.0\.img: trial boot 1 of 3,", qemuboot.LOADER_TIMEOUT)
        q.expect(r"HOPBOOT-DEMO name=Demo version=1\.1\.0\n", qemuboot.DEMO_TIMEOUT)
        q.expect(r"hopboot demo: three things to try", qemuboot.DEMO_TIMEOUT)
        q.expect(PROMPT, qemuboot.DEMO_TIMEOUT)
        q.send("reboot")
        q.expect(r"hopboot: hopboot \S+, looking for Demo images", qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot: booting Demo-1\.1\.0 from card", qemuboot.LOADER_TIMEOUT)
        q.expect(r"HOPBOOT-DEMO name=Demo version=1\.1\.0\n", qemuboot.DEMO_TIMEOUT)
        q.expect(PROMPT, qemuboot.DEMO_TIMEOUT)
        q.send("poweroff")
        qemuboot.expect_clean_exit(q)
    with Demo(ctx.workdir / "run2.log", []) as q:
        q.expect(r"ci/demo: using the card kept from the last run", 30)
        q.expect(r"hopboot: booting Demo-1\.1\.0 from card", qemuboot.LOADER_TIMEOUT)
        q.expect_not(r"trial boot")
        q.expect(PROMPT, qemuboot.DEMO_TIMEOUT)
        q.send("poweroff")
        qemuboot.expect_clean_exit(q)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
