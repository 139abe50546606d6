/* cleanup.h - scope-bound release of memory, descriptors and library handles.
 *
 * Functions use these attributes *or* a single `goto out`, never both.  TAKE_PTR and
 * TAKE_FD hand ownership to the caller so the cleanup sees NULL / -1 and does nothing. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p) { free(*(void **)p); }

static inline void closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno; /* close() must not clobber the errno being reported */
        close(*fd);
        errno = saved;
    }
}

static inline void fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}

static inline void closedirp(DIR **d)
{
    if (*d)
        closedir(*d);
}

/* Free a NULL-terminated array of strings and the array itself. */
static inline void strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

static inline void strv_freep(char ***v) { strv_free(*v); }

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

#define TAKE_PTR(p)                   \
    __extension__({                   \
        __typeof__(p) taken_ = (p);   \
        (p) = NULL;                   \
        taken_;                       \
    })

#define TAKE_FD(fd)             \
    __extension__({             \
        int taken_fd_ = (fd);   \
        (fd) = -1;              \
        taken_fd_;              \
    })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
