/* bzimage.h - read the kernel release ("6.1.0-56-cloud-amd64") from an x86 bzImage's
 * setup header, so stage 1 knows which /lib/modules/<release> in the image belongs to the
 * kernel it is about to boot.  Pure. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* How many bytes of the file bzimage_parse_release may need: the header plus the string. */
#define BZIMAGE_PROBE_SIZE 65536

/* Parse the first LEN bytes of a bzImage.  Returns 0 and writes the release (the first
 * word of the kernel_version string) NUL-terminated into RET of SIZE bytes; -ENOEXEC when
 * this is not a bzImage (no "HdrS" magic, boot protocol < 2.0, no version string), the
 * string lies outside BUF, or it is not a plain release (a '/', a leading '.', control or
 * non-ASCII bytes); -ENAMETOOLONG when it does not fit RET. */
int bzimage_parse_release(const uint8_t *buf, size_t len, char *ret, size_t size);
