/* shutdown.h - taking hopboot's mounts down cleanly at power-off, whatever the OS's init.
 *
 * Stage 2 keeps its own mounts (the card, read-only; the image; the keydisk) under
 * SHUTDOWN_MOUNTS and leaves itself at SHUTDOWN_PROGRAM: systemd's protocol for an exitrd
 * (systemd.io INITRD_INTERFACE, dracut's shutdown module).  At the end of its shutdown
 * systemd pivots into /run/initramfs with the OS's root at /oldroot and runs /shutdown
 * VERB: that program unmounts the overlay root, then the keydisk (its journal closes: no
 * replay at the next boot), the image and the card, and powers off, reboots, halts or
 * kexecs.
 *
 * Inits without that protocol (busybox init, sysvinit, OpenRC) end with "umount -a -r" or
 * the like, which unmounts the keydisk's visible mount without closing the filesystem the
 * overlay still uses.  For them (not for systemd) stage 2 leaves a keeper: a sleeping
 * process whose working directory is the keydisk's visible mount, so that unmounting it
 * fails and "umount -r" remounts it read-only instead (journal closed, clean).  The visible
 * mount, because Debian's umountfs leaves alone every mount listed before /.  It exits on
 * SIGTERM, so busybox's final kill round ends it; Debian's sendsigs spares it
 * (/run/sendsigs.omit.d) so that umountfs, which runs after it, finds it. */
#pragma once

#include <stdbool.h>

#define SHUTDOWN_DIR "/run/initramfs"
#define SHUTDOWN_PROGRAM SHUTDOWN_DIR "/shutdown"
#define SHUTDOWN_MOUNTS SHUTDOWN_DIR "/hopboot"
#define SHUTDOWN_KEEPER_NAME "hopboot-keydisk"

/* Leave this program (/proc/self/exe) at SHUTDOWN_PROGRAM with the directories systemd's
 * pivot needs, and, with KEYDISK_DIR (the keydisk's visible mount; NULL: none), start the
 * keeper there.
 * Returns 0 or -errno.  Does not log. */
int shutdown_install(const char *keydisk_dir);

/* Whether ARGV0 names the exitrd program (systemd runs it as "/shutdown"). */
bool shutdown_is_invoked(const char *argv0);

/* The exitrd program, PID 1 after systemd's pivot: unmount everything but the API
 * filesystems (deepest first, until nothing more comes off; what stays is made read-only
 * and detached), then do ARGV[1] (poweroff, reboot, halt, kexec; default poweroff).  Logs one
 * line of what it did.  Never returns as PID 1. */
int shutdown_main(int argc, char **argv);
