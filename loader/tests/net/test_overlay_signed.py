#!/usr/bin/env python3
"""hopboot.verify=signed: an overlay boots only with a signature for this very URL and a
serial this machine has not gone past.

A key pair is made at test time with the real minisign (minisign -G -W); the card's
initramfs trusts its public key (images/mkcard --key) and its Demo-1.1.0 is signed with
it.  Card: hopboot.verify=signed hopboot.overlay=http://<nginx>/overlays/${mac}.tar.gz.
One QEMU, five boots (the OS reboots in place; between boots the test changes what nginx
serves under this machine's URL):
  1. the overlay signed with images/signoverlay for this URL, serial 5: "... KiB fetched,
     signature ok (serial 5)", the OS shows /etc/hopboot-overlay-proof, and the card's
     boot state now holds serial 5 (hopboot-bless --status in the OS says so; the card,
     remounted for that write, is ro,nosuid,nodev,noexec again).
  2. an overlay with new contents, validly signed for this URL but with serial 4 (an old
     signed overlay served again): "its serial 4 is older than serial 5, which this
     machine took before (replay protection)".
  3. another machine's overlay with that machine's valid signature (its URL, serial 9):
     "its signature is for http://.../52:54:00:99:99:99.tar.gz, not for this URL".
  4. this machine's overlay signed by plain `minisign -S` (a trusted comment with file:
     only): "its signature names no URL (no url: in the trusted comment; ...)".
  5. a good .sha1 but no .minisig: "not signed (no NAME.minisig; hopboot.verify=signed)".
After each refusal the image boots without the overlay: the proof file is still the one
boot 1 unpacked into the keydisk, and stage 2 unpacked nothing.
"""

import shutil
import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import overlays  # noqa: E402
import qemuboot  # noqa: E402
from netboot import servers  # noqa: E402

OTHER_MAC = "52:54:00:99:99:99"
SIGNOVERLAY = qemuboot.IMAGES_DIR / "signoverlay"
_v = qemuboot._v


def keypair(ctx):
    pub, sec = ctx.workdir / "trusted.pub", ctx.workdir / "trusted.key"
    qemuboot.run_tool(["minisign", "-G", "-W", "-p", pub, "-s", sec], log=ctx.tool_log)
    return pub, sec


def sign_image(ctx, key, path):
    qemuboot.run_tool(["minisign", "-S", "-s", key, "-m", path], log=ctx.tool_log)
    path.with_name(path.name + ".minisig").chmod(0o644)


def sign_overlay(ctx, key, path, url, serial):
    qemuboot.run_tool([SIGNOVERLAY, "--key", key, "--url", url, "--serial", str(serial), path], log=ctx.tool_log)
    path.with_name(path.name + ".minisig").chmod(0o644)


def serve(directory, name, tarball, *, minisig=True, sha1=False):
    """Make DIRECTORY/NAME (this machine's overlay) TARBALL, with its .minisig or not."""
    for suffix in ("", ".minisig", ".sha1"):
        (directory / f"{name}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(tarball, directory / name)
    if minisig:
        shutil.copyfile(f"{tarball}.minisig", directory / f"{name}.minisig")
    if sha1:
        overlays.write_sha1(directory / name)
    for path in directory.iterdir():
        path.chmod(0o644)


def main(ctx):
    pub, sec = keypair(ctx)
    name = f"{netboot.GUEST_MAC}.tar.gz"
    served = ctx.workdir / "served"
    served.mkdir(mode=0o755)
    directory = served / "overlays"
    directory.mkdir(mode=0o755)
    made = ctx.workdir / "made"
    made.mkdir()

    image = ctx.stage_demo("1.1.0")["1.1.0"]
    sign_image(ctx, sec, image)
    with servers.Nginx(served, ctx.workdir / "nginx") as nginx:
        url = overlays.overlay_url(nginx)
        other_url = url.replace(netboot.GUEST_MAC, OTHER_MAC)
        card = ctx.make_card([image], append=f"hopboot.verify=signed hopboot.overlay={nginx.url}{overlays.TEMPLATE}",
                             keys=[pub])

        def tarball(what, token=None):
            return overlays.make_tarball(made / what / name, token or overlays.new_token())

        first_token = overlays.new_token()
        first = tarball("serial5", first_token)
        sign_overlay(ctx, sec, first, url, 5)
        older = tarball("serial4")
        sign_overlay(ctx, sec, older, url, 4)
        other = tarball("other")
        sign_overlay(ctx, sec, other, other_url, 9)
        plain = tarball("plain")
        sign_image(ctx, sec, plain)
        unsigned = tarball("unsigned")

        refusals = [
            (older, {}, r"its serial 4 is older than serial 5, which this machine took before "
                        r"\(replay protection\)"),
            (other, {}, rf"its signature is for {_v(other_url)}, not for this URL"),
            (plain, {}, r"its signature names no URL \(no url: in the trusted comment; images/signoverlay\)"),
            (unsigned, {"minisig": False, "sha1": True},
             rf"not signed \(no {_v(name)}\.minisig; hopboot\.verify=signed\)"),
        ]
        serve(directory, name, first)
        with netboot.boot(ctx, card, log="boots", reboot=True) as q:
            q.expect(r"hopboot: hopboot\.verify=signed: 1 trusted key\s", qemuboot.LOADER_TIMEOUT)
            overlays.expect_fetched(q, url, "signature ok (serial 5)")
            qemuboot.expect_demo_boot(q, "1.1.0", poweroff=False)
            overlays.expect_unpacked(q, url, 2)
            overlays.expect_proof(q, first_token)
            qemuboot.shell_run(q, "hopboot-bless --status", r"newest signed overlay taken: serial 5",
                               overlays.PROMPT)
            # hopboot-bless wrote the state through a remount: the card keeps its flags.
            qemuboot.shell_run(q, "grep ' /media/card ' /proc/mounts", r"\S+ /media/card vfat ro,nosuid,nodev,noexec,.*",
                               overlays.PROMPT)
            for tarball_file, how, reason in refusals:
                serve(directory, name, tarball_file, **how)
                q.expect(_v(overlays.PROMPT), 60)
                q.send("reboot")
                overlays.expect_refused(q, url, reason)
                qemuboot.expect_demo_boot(q, "1.1.0", poweroff=False)
                # What the keydisk holds is still boot 1's overlay: nothing new unpacked.
                overlays.expect_proof(q, first_token)
            unpacked = q.output.count("hopboot-stage2: overlay ")
            netboot.check(unpacked == 1, f"stage 2 unpacked an overlay once in five boots (saw {unpacked})")
            overlays.poweroff(q)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
