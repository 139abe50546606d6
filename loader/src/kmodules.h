/* kmodules.h - kernel modules as modprobe finds them, from the text indexes depmod writes
 * (modules.dep, modules.alias, modules.softdep, modules.builtin), loaded with modload.h.
 * Two jobs: load what the loader kernel needs to see the card, and work out which of the
 * *image's* modules stage 2 must load, in dependency order.  No libkmod: it would bring
 * libzstd and liblzma into the initramfs for nothing (doc/design-notes.md).  Does not
 * log. */
#pragma once

#include <stddef.h>

/* Load into the running kernel every module whose alias matches a device's modalias
 * under /sys/devices (a one-shot "coldplug", as udev does at boot), plus the modules
 * named in NAMES (N of them; filesystems, which have no modalias), from the running
 * kernel's /lib/modules/$(uname -r).  Missing modules and ones already loaded are not
 * errors, nor is a kernel without a module tree.  Returns how many were newly loaded, or
 * -errno when the tree cannot be read. */
int kmodules_load(const char *const *names, size_t n);

/* Names of the modules that drive DEVICE ("/dev/sda1"): the driver module of each sysfs
 * ancestor of its disk (sd_mod, ata_piix, virtio_blk, virtio_pci, usb_storage, ...); when
 * the running kernel has the driver built in without module support (no driver/module
 * link), the bound device's modalias instead, which kmodules_resolve() looks up.
 * Appended to the NULL-terminated *names array of *n.  Returns 0 or -errno. */
int kmodules_for_device(const char *device, char ***names, size_t *n);

/* Whether the kernel of the module tree MODULES_DIR has NAME, built in or as a module.
 * Returns 1, 0, or -errno when the tree cannot be read. */
int kmodules_available(const char *modules_dir, const char *name);

/* For the module tree MODULES_DIR (".../lib/modules/<release>", depmod'ed), resolve NAMES
 * (N of them; names or aliases) with their dependencies and pre-softdeps into the list of
 * module files to load, dependencies first, each once.  Built-in and unknown modules are
 * skipped.  On success *ret_paths is NULL-terminated (strv_free) with *ret_n entries.
 * Returns 0 or -errno (-ENOENT: no modules.dep in MODULES_DIR; -ELOOP: a chain of
 * dependencies deeper than KMODULES_MAX_DEPTH, which no real kernel has). */
#define KMODULES_MAX_DEPTH 64
int kmodules_resolve(const char *modules_dir, const char *const *names, size_t n, char ***ret_paths, size_t *ret_n);
