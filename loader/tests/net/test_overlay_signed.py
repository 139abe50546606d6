#!/usr/bin/env python3
"""hopboot.verify=signed: an overlay boots only with a signature for this very file.

A key pair is made at test time with the real minisign (minisign -G -W); the card's
initramfs trusts its public key (images/mkcard --key) and its Demo-1.1.0 is signed with
it.  Card: hopboot.verify=signed hopboot.overlay=http://<nginx>/overlays/${mac}.tar.gz.
  1. nginx serves this machine's overlay with the .minisig `minisign -S` wrote: stage 1
     says "... KiB fetched, signature ok", the OS shows /etc/hopboot-overlay-proof.
  2. nginx serves, under this machine's name, another machine's overlay with that
     machine's valid signature: "overlay URL: its signature is for
     52:54:00:99:99:99.tar.gz, not for this file, booting without it", and the OS boots
     without the file.
  3. nginx serves this machine's overlay with a good .sha1 but no .minisig: "not signed
     (no NAME.minisig; hopboot.verify=signed)", and the OS boots without the file.
"""

import shutil
import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import overlays  # noqa: E402
import qemuboot  # noqa: E402
from netboot import servers  # noqa: E402

OTHER_MAC = "52:54:00:99:99:99"


def keypair(ctx):
    pub, sec = ctx.workdir / "trusted.pub", ctx.workdir / "trusted.key"
    qemuboot.run_tool(["minisign", "-G", "-W", "-p", pub, "-s", sec], log=ctx.tool_log)
    return pub, sec


def sign(ctx, key, path):
    qemuboot.run_tool(["minisign", "-S", "-s", key, "-m", path], log=ctx.tool_log)
    path.with_name(path.name + ".minisig").chmod(0o644)


def served_dir(ctx, name):
    served = ctx.workdir / name
    (served / "overlays").mkdir(mode=0o755, parents=True)
    served.chmod(0o755)
    return served / "overlays"


def signed_card(ctx, url, pub, sec, card):
    image = ctx.stage_demo("1.1.0")["1.1.0"]
    sign(ctx, sec, image)
    return ctx.make_card([image], card=card, append=f"hopboot.verify=signed hopboot.overlay={url}", keys=[pub])


def main(ctx):
    pub, sec = keypair(ctx)
    name = f"{netboot.GUEST_MAC}.tar.gz"

    # 1. signed for this machine
    token = overlays.new_token()
    directory = served_dir(ctx, "served-signed")
    sign(ctx, sec, overlays.make_tarball(directory / name, token))
    with servers.Nginx(directory.parent, ctx.workdir / "nginx-signed") as nginx:
        card = signed_card(ctx, nginx.url + overlays.TEMPLATE, pub, sec, "card-signed.img")
        url = overlays.overlay_url(nginx)
        with netboot.boot(ctx, card, log="boot-signed") as q:
            q.expect(r"hopboot: hopboot\.verify=signed: 1 trusted key\s", qemuboot.LOADER_TIMEOUT)
            overlays.expect_fetched(q, url, "signature ok")
            qemuboot.expect_demo_boot(q, "1.1.0", poweroff=False)
            overlays.expect_unpacked(q, url, 2)
            overlays.expect_proof(q, token)
            overlays.poweroff(q)

    # 2. another machine's overlay, validly signed for that machine
    directory = served_dir(ctx, "served-other")
    other = overlays.make_tarball(directory / f"{OTHER_MAC}.tar.gz", overlays.new_token())
    sign(ctx, sec, other)
    shutil.copyfile(other, directory / name)
    shutil.copyfile(f"{other}.minisig", directory / f"{name}.minisig")
    for path in directory.iterdir():
        path.chmod(0o644)
    expect_refused(ctx, directory, pub, sec, "other",
                   rf"its signature is for {qemuboot._v(OTHER_MAC)}\.tar\.gz, not for this file")

    # 3. a .sha1 but no signature
    directory = served_dir(ctx, "served-unsigned")
    overlays.write_sha1(overlays.make_tarball(directory / name, overlays.new_token()))
    expect_refused(ctx, directory, pub, sec, "unsigned",
                   rf"not signed \(no {qemuboot._v(name)}\.minisig; hopboot\.verify=signed\)")


def expect_refused(ctx, directory, pub, sec, what, reason):
    with servers.Nginx(directory.parent, ctx.workdir / f"nginx-{what}") as nginx:
        card = signed_card(ctx, nginx.url + overlays.TEMPLATE, pub, sec, f"card-{what}.img")
        with netboot.boot(ctx, card, log=f"boot-{what}") as q:
            overlays.expect_refused(q, overlays.overlay_url(nginx), reason)
            qemuboot.expect_demo_boot(q, "1.1.0", poweroff=False)
            q.expect_not(r"hopboot-stage2: overlay ")
            overlays.expect_no_proof(q)
            overlays.poweroff(q)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
