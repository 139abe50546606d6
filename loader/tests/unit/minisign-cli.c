/* minisign-cli.c - `test-minisign-cli PUBKEY FILE SIG`: verify FILE against the .minisig
 * SIG with the public key file PUBKEY through minisign.h, the way the loader would, so
 * that test-minisign-tool.sh can check signatures the real minisign tool makes.  Prints
 * the trusted comment and exits 0 when FILE verifies; prints why and exits 1 otherwise;
 * exits 2 for a usage error. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "minisign.h"

static int fail(const char *what, int error)
{
    fprintf(stderr, "test-minisign-cli: %s: %s\n", what, strerror(-error));
    return 1;
}

static int verify(const char *pub_path, const char *file, const char *sig_path)
{
    _cleanup_(minisign_verifier_freep) struct minisign_verifier *v = NULL;
    _cleanup_free_ char *pub_text = NULL, *sig_text = NULL;
    struct minisign_signature sig;
    struct minisign_key key;
    size_t len;

    int r = fileio_read_file(AT_FDCWD, pub_path, MINISIGN_PUBLIC_KEY_FILE_MAX, &pub_text, &len);
    if (r >= 0)
        r = minisign_parse_public_key(pub_text, len, &key);
    if (r < 0)
        return fail(pub_path, r);
    r = fileio_read_file(AT_FDCWD, sig_path, MINISIGN_SIGNATURE_FILE_MAX, &sig_text, &len);
    if (r >= 0)
        r = minisign_parse_signature(sig_text, len, &sig);
    if (r < 0)
        return fail(sig_path, r);

    r = minisign_verifier_new(&sig, &key, 1, &v);
    if (r == -EKEYREJECTED) {
        fprintf(stderr, "test-minisign-cli: %s: the trusted comment or its signature was altered\n", sig_path);
        return 1;
    }
    if (r < 0)
        return fail(sig_path, r);
    _cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return fail(file, -errno);
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(file, -errno);
        if (n == 0)
            break;
        r = minisign_verifier_update(v, buf, (size_t)n);
        if (r < 0)
            return fail(file, r);
    }
    r = minisign_verifier_final(v);
    if (r < 0)
        return fail(file, r);
    printf("trusted comment: %s\n", sig.trusted_comment);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: test-minisign-cli PUBKEY FILE SIG\n");
        return 2;
    }
    return verify(argv[1], argv[2], argv[3]);
}
