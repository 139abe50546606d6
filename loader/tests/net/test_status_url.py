#!/usr/bin/env python3
"""`hopboot status URL` from the host against a real nginx: the loader's listing and
fetch code, run as a command.

nginx serves Demo-1.0.0 and Demo-1.1.0 with the SHA1SUMS index, and Demo-1.1.0's bytes
are damaged after the index was written.  `hopboot status --json URL` fetches both in
full: 1.1.0 is rejected (checksum mismatch), 1.0.0 verified, 1.0.0 would boot, exit 0;
nginx logged one GET of each.  The text output says the same.  With only the damaged
image served (a second directory), nothing would boot: exit 1.  No QEMU.
"""

import json
import subprocess
import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import qemuboot  # noqa: E402
from netboot import check, image, servers  # noqa: E402


def status(ctx, *args):
    result = subprocess.run([ctx.artifact("bin/hopboot"), "status", "--quiet", *args], capture_output=True,
                            text=True, timeout=120)
    qemuboot.note(f"hopboot status {' '.join(args)}: exit {result.returncode}\n{result.stdout}{result.stderr}")
    return result


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0")
    qemuboot.corrupt_middle(served / image("1.1.0"))
    with servers.Nginx(served, ctx.workdir / "nginx") as http:
        result = status(ctx, "--json", http.host_url)
        check(result.returncode == 0, "an image would boot: exit 0", result.stderr)
        report = json.loads(result.stdout)
        got = [(i["file"], i["verdict"]) for i in report["images"]]
        check(got == [(image("1.1.0"), "rejected"), (image("1.0.0"), "verified")], "verdicts", result.stdout)
        check(report["images"][0]["reason"].startswith("checksum mismatch"), "the mismatch is named",
              report["images"][0]["reason"])
        check(report["boot"] == image("1.0.0") and report["tries"] == 0, "1.0.0 would boot", result.stdout)
        check(report["images"][1]["size"] == (served / image("1.0.0")).stat().st_size, "size of the fetched image",
              result.stdout)
        netboot.check_nginx_gets(http, image("1.1.0"), 1, status=200)
        netboot.check_nginx_gets(http, image("1.0.0"), 1, status=200)

        text = status(ctx, http.host_url)
        check(f"would boot: {image('1.0.0')}: the newest image that passes its checks; 1 newer image cannot boot"
              in text.stdout, "text: which and why", text.stdout)
        check("next: if it cannot be loaded, the loader goes on to its next source, then the card" in text.stdout,
              "text: what next", text.stdout)

    bad = ctx.workdir / "bad"
    bad.mkdir(mode=0o755)
    for name in (image("1.1.0"), "SHA1SUMS"):
        (bad / name).write_bytes((served / name).read_bytes())
        (bad / name).chmod(0o644)
    with servers.Nginx(bad, ctx.workdir / "nginx-bad") as http:
        result = status(ctx, "--json", http.host_url)
        check(result.returncode == 1 and json.loads(result.stdout)["boot"] is None, "nothing would boot: exit 1",
              result.stdout + result.stderr)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
