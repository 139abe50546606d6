#!/usr/bin/env python3
"""Network sources look in altboot's boot-images/ folder too.

The served directory holds Demo-1.0.0 at its top and Demo-1.1.0 (+ .sha1,
naming the bare file as sha1sum writes it in the folder) in boot-images/;
images/mkindex lists both in SHA1SUMS ("boot-images/Demo-1.1.0.img").
1. Over HTTP the index gives both candidates and Demo-1.1.0 boots from
   .../boot-images/Demo-1.1.0.img.
2. Over FTP (no index: listings) the loader lists the folder as well, fetches
   boot-images/Demo-1.1.0.img.sha1 and the image, and boots it.
3. Over NFS (no index: the mounted export is scanned like a card) the same.
"""

import shutil
import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import qemuboot  # noqa: E402
from netboot import image, servers  # noqa: E402

FOLDER = "boot-images"


def boot_from(ctx, url, log):
    card = netboot.make_card(ctx, [url], card=f"{log}.img")
    with netboot.boot(ctx, card, log=log) as q:
        netboot.expect_network(q)
        q.expect(rf"hopboot: candidates at {qemuboot._v(url)}: {FOLDER}/Demo-1\.1\.0\.img Demo-1\.0\.0\.img\n",
                 qemuboot.LOADER_TIMEOUT)
        netboot.expect_net_boot(q, "1.1.0", f"{url}{FOLDER}/{image('1.1.0')}")


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0", index=False)
    folder = served / FOLDER
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    for name in (image("1.1.0"), f"{image('1.1.0')}.sha1"):
        shutil.move(served / name, folder / name)
    qemuboot.run_script("mkindex", served, build=ctx.build, log=ctx.tool_log)
    (served / "SHA1SUMS").chmod(0o644)
    index = (served / "SHA1SUMS").read_text()
    netboot.check(f"  {FOLDER}/{image('1.1.0')}\n" in index, "mkindex lists the folder's image", index)

    with servers.Nginx(served, ctx.workdir / "nginx") as http:
        boot_from(ctx, http.url, "http")
    with servers.Vsftpd(served, ctx.workdir / "vsftpd") as ftp:
        boot_from(ctx, ftp.url, "ftp")
        log = ftp.log.read_text()
        netboot.check(f'"CWD {FOLDER}"' in log, f"the loader went into {FOLDER}/ (CWD)", log)
        for name in (f"{image('1.1.0')}.sha1", image("1.1.0")):
            netboot.check(f'"RETR {name}"' in log, f"vsftpd sent {name}", log)
    with servers.Ganesha(served, ctx.workdir / "ganesha") as nfs:
        netboot.check(nfs.export_created(), f"ganesha exports {served} as {nfs.pseudo}")
        boot_from(ctx, nfs.url, "nfs")


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx", "vsftpd", "ganesha")))
