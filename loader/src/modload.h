/* modload.h - insert a kernel module file with finit_module(2).  Stage 2 loads the list
 * stage 1 put in dependency order; stage 1 loads what kmodules.h resolves. */
#pragma once

/* Load the module at PATH (.ko, or .ko.xz/.ko.zst/.ko.gz for the kernel to decompress).
 * Already loaded counts as success.  Returns 0 or -errno. */
int modload_file(const char *path);
