#!/usr/bin/env python3
"""A diskless machine PXE-boots the loader and fetches a signed image over HTTP.

images/mkpxe lays out a TFTP root (pxelinux.0, the loader kernel and an initramfs that
trusts a minisign key made here (--key), pxelinux.cfg/default with hopboot.src= pointing
at nginx and hopboot.verify=signed, its prompt locked).  QEMU has no disk: its PXE ROM gets
the TFTP root and boot file from QEMU's DHCP, pxelinux loads hopboot.  nginx serves
Demo-1.0.0, Demo-1.1.0 signed by the key, and a newer Demo-1.1.5 that is not signed (its
.sha1 matches): 1.1.5 is refused without being fetched, 1.1.0 is fetched once, checked
against its signature ("signature ok") and kexec'd; stage 2 runs it from RAM with a tmpfs
upper layer, saying there is no card.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "qemu"))
sys.dont_write_bytecode = True
import qemuboot  # noqa: E402
import servers  # noqa: E402


class PxeQemu(qemuboot.Qemu):
    """A guest with no disk that network-boots from TFTP_ROOT through QEMU's DHCP/TFTP."""

    def __init__(self, log_path, tftp_root, **kwargs):
        super().__init__(log_path, kernel=tftp_root, **kwargs)  # no kernel: the ROM boots
        self.tftp_root = tftp_root

    def command(self):
        return [qemuboot.QEMU, "-accel", "tcg", "-m", str(self.memory), "-display", "none", "-no-reboot",
                "-netdev", f"user,id=n0,tftp={self.tftp_root},bootfile=pxelinux.0",
                "-device", "virtio-net-pci,netdev=n0", "-boot", "n", "-monitor", "none",
                "-chardev", "stdio,id=s0,signal=off", "-serial", "chardev:s0", *self.extra_args]


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    served = ctx.workdir / "served"
    served.mkdir()
    for image in images.values():
        for path in (image, Path(f"{image}.sha1")):
            (served / path.name).write_bytes(path.read_bytes())
    unsigned = served / "Demo-1.1.5.img"
    unsigned.write_bytes(images["1.0.0"].read_bytes())
    qemuboot.write_sha1(unsigned)
    pub, key = ctx.workdir / "trusted.pub", ctx.workdir / "trusted.key"
    qemuboot.run_tool(["minisign", "-G", "-W", "-p", pub, "-s", key], log=ctx.tool_log)
    qemuboot.run_tool(["minisign", "-S", "-s", key, "-m", served / "Demo-1.1.0.img"], log=ctx.tool_log)
    qemuboot.run_script("mkindex", served, build=ctx.build, log=ctx.tool_log)
    with servers.Nginx(served, ctx.workdir / "nginx", lifetime=400) as nginx:
        tftp_root = ctx.workdir / "tftp"
        qemuboot.run_script("mkpxe", "-o", tftp_root, "--src", nginx.url,
                            "--append", "hopboot.timeout=0 hopboot.verify=signed demo.poweroff", "--key", pub,
                            "--loader-kernel", ctx.artifact("kernel/vmlinuz"),
                            "--loader-initrd", ctx.artifact("initrd.img"), build=ctx.build, log=ctx.tool_log)
        config = (tftp_root / "pxelinux.cfg" / "default").read_text()
        if "ALLOWOPTIONS 0" not in config.splitlines() or "NOESCAPE 1" not in config.splitlines():
            raise qemuboot.TestFailure(f"pxelinux.cfg/default of a signed setup is not locked:\n{config}")
        with PxeQemu(ctx.workdir / "pxe.log", tftp_root, hard_timeout=qemuboot.BOOT_HARD_TIMEOUT, name="pxe",
                     give_up_on=qemuboot.GIVE_UP_ON) as q:
            q.expect(r"PXELINUX", qemuboot.LOADER_TIMEOUT)
            q.expect(r"hopboot: hopboot\.verify=signed: 1 trusted key\s", qemuboot.LOADER_TIMEOUT)
            q.expect(r"hopboot: network: eth0 \(52:54:00:12:34:56\) is 10\.0\.2\.15\s", qemuboot.LOADER_TIMEOUT)
            qemuboot.expect_rejected(q, "Demo-1.1.5.img", r"not signed \(no Demo-1\.1\.5\.img\.minisig",
                                     "Demo-1.1.0.img")
            url = f"{nginx.url}Demo-1.1.0.img"
            q.expect(rf"hopboot: booting Demo-1\.1\.0 from {qemuboot.re.escape(url)} \(signature ok",
                     qemuboot.LOADER_TIMEOUT)
            q.expect(r"hopboot-stage2: no card, so no keydisk: changes will not persist \(tmpfs overlay\)\s",
                     qemuboot.DEMO_TIMEOUT)
            q.expect(r"hopboot-stage2: root is Demo-1\.1\.0 \(in RAM\) \+ tmpfs\s", qemuboot.DEMO_TIMEOUT)
            q.expect(r"HOPBOOT-DEMO name=Demo version=1\.1\.0\s", qemuboot.DEMO_TIMEOUT)
            q.expect(rf"HOPBOOT-DEMO booted=Demo-1\.1\.0 from={qemuboot.re.escape(url)}\s", qemuboot.DEMO_TIMEOUT)
            q.expect(r"HOPBOOT-DEMO root=overlay\s", qemuboot.DEMO_TIMEOUT)
            qemuboot.expect_poweroff(q)
            q.expect_not(r"hopboot: card ")
        log = Path(nginx.log).read_text().splitlines()
        gets = [line for line in log if '"GET /Demo-1.1.0.img ' in line]
        if len(gets) != 1:
            raise qemuboot.TestFailure(f"expected exactly one GET of the image (read once), got: {gets}")
        refused = [line for line in log if '"GET /Demo-1.1.5.img ' in line]
        if refused:
            raise qemuboot.TestFailure(f"the unsigned image was fetched although its signature was missing: {refused}")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
