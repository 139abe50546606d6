"""Shared code of the hopboot.overlay= tests (test_overlay*.py).

An overlay is a .tar.gz a server holds per machine; stage 1 fetches it and stage 2
unpacks it onto the root before /sbin/init runs.  These tests boot the demo images from
the card (no network source), with hopboot.overlay=<nginx URL>/overlays/${mac}.tar.gz,
no demo.poweroff (the demo OS stays up with a shell, so a test can look inside it) and
the usual fresh kd.img as the upper layer.

    tarball = overlays.make_tarball(served / "overlays" / f"{netboot.GUEST_MAC}.tar.gz", token)
    overlays.write_sha1(tarball)
    card = overlays.make_card(ctx, nginx.url + overlays.TEMPLATE)
    with netboot.boot(ctx, card) as q:
        overlays.expect_fetched(q, url, "sha1 ok")
        ...
        overlays.expect_proof(q, token)
        overlays.poweroff(q)
"""

import re
import secrets
import shutil

import netboot
import qemuboot

PROOF = "etc/hopboot-overlay-proof"
TEMPLATE = "overlays/${mac}.tar.gz"     # relative to the server's URL
PROMPT = "demo# "
_v = re.escape


def new_token():
    return f"overlay-{secrets.token_hex(8)}"


def overlay_url(server):
    """TEMPLATE expanded for the guest: the URL stage 1 fetches and names in its lines."""
    return f"{server.url}overlays/{netboot.GUEST_MAC}.tar.gz"


def make_tarball(path, token):
    """A .tar.gz made as the README says (GNU tar, --owner=0 --group=0, -C DIR .): ./ and
    etc/ (directories), PROOF with TOKEN and etc/motd: 2 files."""
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    path.parent.chmod(0o755)
    tree = path.parent.parent / f"{path.name}.tree"
    (tree / "etc").mkdir(parents=True)
    tree.chmod(0o755)
    (tree / "etc").chmod(0o755)
    (tree / PROOF).write_text(f"{token}\n")
    (tree / "etc/motd").write_text("unpacked from the overlay\n")
    for name in (PROOF, "etc/motd"):
        (tree / name).chmod(0o644)
    qemuboot.run_tool(["tar", "-czf", path.resolve(), "--owner=0", "--group=0", "-C", tree, "."])
    shutil.rmtree(tree)
    path.chmod(0o644)
    qemuboot.note(f"overlay {path.name}: {PROOF} holds {token}")
    return path


def write_sha1(path, digest=None):
    """PATH.sha1 in sha1sum format, with DIGEST instead of the real one when given."""
    sha1 = path.with_name(path.name + ".sha1")
    sha1.write_text(f"{digest or qemuboot.sha1_of(path)}  {path.name}\n")
    sha1.chmod(0o644)
    return sha1


def make_card(ctx, url, *, versions=("1.1.0",), extra="", card="card.img", keys=()):
    """A card holding the demo images VERSIONS with hopboot.overlay=URL and no demo.poweroff."""
    images = ctx.stage_demo(*versions).values()
    append = f"hopboot.overlay={url}" + (f" {extra}" if extra else "")
    return ctx.make_card(images, card=card, append=append, keys=keys)


def expect_fetched(q, url, checked):
    """Stage 1's line: the overlay arrived and was checked as CHECKED says."""
    return q.expect(rf"hopboot: overlay {_v(url)}: [0-9.]+ KiB fetched, {_v(checked)}\n",
                    qemuboot.LOADER_TIMEOUT)


def expect_refused(q, url, reason):
    """Stage 1's one warning: no overlay this boot, REASON a regex for the cause."""
    return q.expect(rf"hopboot: overlay {_v(url)}: {reason}, booting without it\n", qemuboot.LOADER_TIMEOUT)


def expect_unpacked(q, url, files):
    """Stage 2's line, seen once the demo has said what booted."""
    q.assert_seen(rf"hopboot-stage2: overlay {_v(url)} unpacked onto the root \({files} files?\)\n")


def expect_proof(q, token):
    """The booted OS shows the overlay's file, and the keydisk (the upper layer) holds it."""
    qemuboot.shell_run(q, f"cat /{PROOF}", _v(token), PROMPT)
    qemuboot.shell_run(q, f"cat /media/keydisk/upper/{PROOF}", _v(token), PROMPT)


def expect_no_proof(q):
    """The booted OS has no overlay file."""
    qemuboot.shell_run(q, f"test -e /{PROOF} && echo proof-present || echo proof-absent", "proof-absent", PROMPT)


def poweroff(q):
    """The clean way out of the demo shell (the keydisk is remounted read-only first)."""
    q.expect(_v(PROMPT), 60)
    q.send("poweroff")
    qemuboot.expect_clean_exit(q)
