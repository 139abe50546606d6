/* rescue.h - for when nothing can boot: the rescue menu (install an image from a root
 * file system tarball on the card, rescue shell, reboot) and the busybox rescue shell on
 * the console.  This layer decides, so it logs. */
#pragma once

#include <stdbool.h>

struct run;

#define RESCUE_SHELL "/bin/sh"
/* Where images/mkcard --rescue-password puts root's password hash (crypt(3) format), in
 * the initramfs; busybox sulogin checks it. */
#define RESCUE_PASSWD "/etc/passwd"
#define RESCUE_SULOGIN "/bin/busybox"
/* Signed mode with no password: how long the loader waits before it reboots. */
#define RESCUE_LOCKED_REBOOT_S 30

/* Run an interactive shell, prompt "hopboot-rescue# ", on each active console (VGA and
 * serial), start a new one whenever one exits, and reap every child meanwhile.  When the
 * initramfs holds a root password (RESCUE_PASSWD, from mkcard --rescue-password), each
 * console first asks for it (busybox sulogin).  Under hopboot.verify=signed (SIGNED)
 * without one there is no shell at all: the loader says so and reboots after
 * RESCUE_LOCKED_REBOOT_S, since whoever sits at the console of a signed machine must not
 * get root for nothing.  Never returns: this is PID 1. */
void rescue_shell(bool signed_mode) __attribute__((noreturn));

/* When the card holds exactly one root file system tarball NAME-X.Y.Z-rootfs.tar.gz for
 * hopboot.name= (rootfs.h) whose image is not on the card yet, offer the rescue menu with
 * "install NAME-X.Y.Z from FILE"; two or more tarballs: one line saying to keep one, and
 * no menu.  Installing checks the card's filesystem, remounts it read-write, writes
 * NAME-X.Y.Z.img with its sums to the card's top directory, and remounts it read-only.
 * Returns 1 when an image was installed (boot the card again), 0 otherwise: no tarball,
 * no terminal (nobody can choose: no waiting), the countdown ran out, the rescue shell
 * was chosen, or the install failed (said why). */
int rescue_offer_install(struct run *run);
