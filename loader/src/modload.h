/* modload.h - insert a kernel module file with finit_module(2).  For stage 2, which is
 * static and has no libkmod: stage 1 already put the modules in dependency order. */
#pragma once

/* Load the module at PATH (.ko, or .ko.xz/.ko.zst/.ko.gz for the kernel to decompress).
 * Already loaded counts as success.  Returns 0 or -errno. */
int modload_file(const char *path);
