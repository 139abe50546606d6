/* test-minisign.c - minisign signatures: fixtures made by the real minisign 0.11 (see
 * data/minisign/README) verify, prehashed and legacy; a wrong key, an altered file,
 * comment or signature, and malformed files are refused with their own errors; the
 * signed file name comes out of the trusted comment; keys load from a directory.  And a
 * signature made here with libcrypto, following the format, passes both this verifier and
 * `minisign -V`, so the tests do not rest on the fixtures alone. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "minisign.h"
#include "tests.h"

#ifndef MINISIGN_DATA_DIR
#error "MINISIGN_DATA_DIR: the fixture directory, set by CMakeLists.txt"
#endif

#define IMAGE "Demo-1.2.3.img"
#define KEY_ID "36162E2486F1BC1E"        /* minisign.pub, as minisign prints it */
#define SECOND_KEY_ID "4ABA2CEB9B489F19" /* second.pub */

static char tmp[] = "/tmp/test-minisign-XXXXXX";
static struct minisign_key key, second_key;

/* A fixture's bytes (NUL-terminated; *len without the NUL); the test stops when missing. */
static char *fixture(const char *name, size_t *len)
{
    char *data = NULL, path[512];

    snprintf(path, sizeof(path), "%s/%s", MINISIGN_DATA_DIR, name);
    int r = fileio_read_file(AT_FDCWD, path, 1024 * 1024, &data, len);
    if (r < 0) {
        fprintf(stderr, "cannot read fixture %s: %s\n", path, strerror(-r));
        exit(1);
    }
    return data;
}

static int parse_sig(const char *text, struct minisign_signature *sig)
{
    return minisign_parse_signature(text, strlen(text), sig);
}

static int parse_sig_fixture(const char *name, struct minisign_signature *sig)
{
    size_t len;
    char *text = fixture(name, &len);
    int r = minisign_parse_signature(text, len, sig);
    free(text);
    return r;
}

/* Verify LEN bytes at DATA against SIG with KEYS, fed in pieces of CHUNK bytes. */
static int verify_data(const struct minisign_signature *sig, const struct minisign_key *keys, size_t n_keys,
                       const void *data, size_t len, size_t chunk)
{
    struct minisign_verifier *v = NULL;
    int r = minisign_verifier_new(sig, keys, n_keys, &v);
    if (r < 0)
        return r;
    for (size_t off = 0; off < len && r == 0; off += chunk)
        r = minisign_verifier_update(v, (const char *)data + off, len - off < chunk ? len - off : chunk);
    if (r == 0)
        r = minisign_verifier_final(v);
    minisign_verifier_free(v);
    return r;
}

static int verify_fixture(const char *file, const char *sig_name, const struct minisign_key *keys, size_t n_keys)
{
    struct minisign_signature sig;
    char path[512];

    if (parse_sig_fixture(sig_name, &sig) < 0)
        return -EBADMSG;
    snprintf(path, sizeof(path), "%s/%s", MINISIGN_DATA_DIR, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    int r = minisign_verify_fd(fd, &sig, keys, n_keys);
    close(fd);
    return r;
}

static void test_keys(void)
{
    char id[2 * MINISIGN_KEY_ID_LEN + 1];
    struct minisign_key k;
    size_t len;
    char *text = fixture("minisign.pub", &len);

    CHECK_EQ_INT(minisign_parse_public_key(text, len, &key), 0);
    minisign_format_key_id(key.id, id);
    CHECK_STREQ(id, KEY_ID);
    /* the base64 line alone, as `minisign -P` takes it, with or without its newline */
    const char *b64 = strchr(text, '\n') + 1;
    CHECK_EQ_INT(minisign_parse_public_key(b64, strlen(b64), &k), 0);
    CHECK(memcmp(&k, &key, sizeof(k)) == 0);
    CHECK_EQ_INT(minisign_parse_public_key(b64, strlen(b64) - 1, &k), 0);
    free(text);

    text = fixture("second.pub", &len);
    CHECK_EQ_INT(minisign_parse_public_key(text, len, &second_key), 0);
    minisign_format_key_id(second_key.id, id);
    CHECK_STREQ(id, SECOND_KEY_ID);
    free(text);

    static const char *const bad[] = {
        "",
        "\n",
        "untrusted comment: minisign public key 36162E2486F1BC1E\n",
        "untrusted comment: x\nRWQevPGGJC4WNsBmJdNnxyw0r8pFRxUIbSw/a+ddwEfstdqev6u6Igah\n\n",   /* empty line */
        "untrusted comment: x\nRWQevPGGJC4WNsBmJdNnxyw0r8pFRxUIbSw/a+ddwEfstdqev6u6Igah \n",   /* space */
        "comment: x\nRWQevPGGJC4WNsBmJdNnxyw0r8pFRxUIbSw/a+ddwEfstdqev6u6Igah\n",             /* prefix */
        "a\nuntrusted comment: x\nRWQevPGGJC4WNsBmJdNnxyw0r8pFRxUIbSw/a+ddwEfstdqev6u6Igah\n", /* 3 lines */
        "RWQevPGGJC4WNsBmJdNnxyw0r8pFRxUIbSw/a+ddwEfstdqev6u6Iga\n",                          /* short */
        "RWQevPGGJC4WNsBmJdNnxyw0r8pFRxUIbSw/a+ddwEfstdqev6u6Igah=\n",                        /* long */
        "RUQevPGGJC4WNsBmJdNnxyw0r8pFRxUIbSw/a+ddwEfstdqev6u6Igah\n",                         /* "ED" key */
        "RWQevPGGJC4WNsBmJdNnxyw0r8pFRxUIbSw/a+ddwEfstdqev6u6Iga!\n",                         /* not base64 */
        "RWQevPGGJC4WNsBmJdNnxyw0r8pFRxUIbSw/a+ddwEfstdqev6u6Igah\r",                         /* lone CR */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&k, 0x5a, sizeof(k));
        int r = minisign_parse_public_key(bad[i], strlen(bad[i]), &k);
        if (r != -EBADMSG)
            fprintf(stderr, "public key case %zu accepted\n", i);
        CHECK_EQ_INT(r, -EBADMSG);
        CHECK(k.id[0] == 0x5a && k.key[31] == 0x5a); /* untouched */
    }
    /* CRLF is tolerated, like minisign does */
    static const char crlf[] = "untrusted comment: x\r\nRWQevPGGJC4WNsBmJdNnxyw0r8pFRxUIbSw/a+ddwEfstdqev6u6Igah\r\n";
    CHECK_EQ_INT(minisign_parse_public_key(crlf, strlen(crlf), &k), 0);
    CHECK(memcmp(&k, &key, sizeof(k)) == 0);
}

static void test_parse_fixtures(void)
{
    struct minisign_signature sig;
    char id[2 * MINISIGN_KEY_ID_LEN + 1];
    const char *name;
    size_t name_len;

    CHECK_EQ_INT(parse_sig_fixture(IMAGE ".minisig", &sig), 0);
    CHECK_EQ_INT(sig.algorithm, MINISIGN_PREHASHED);
    minisign_format_key_id(sig.key_id, id);
    CHECK_STREQ(id, KEY_ID);
    /* minisign 0.11's default trusted comment: timestamp, base name, "hashed", tabs */
    CHECK(strncmp(sig.trusted_comment, "timestamp:", 10) == 0);
    CHECK(strstr(sig.trusted_comment, "\tfile:" IMAGE "\thashed") != NULL);
    CHECK_EQ_INT(sig.trusted_comment_len, strlen(sig.trusted_comment));
    CHECK_EQ_INT(minisign_comment_file(sig.trusted_comment, sig.trusted_comment_len, &name, &name_len), 0);
    CHECK(name_len == strlen(IMAGE) && memcmp(name, IMAGE, name_len) == 0);

    CHECK_EQ_INT(parse_sig_fixture(IMAGE ".legacy.minisig", &sig), 0);
    CHECK_EQ_INT(sig.algorithm, MINISIGN_LEGACY);
    CHECK(strstr(sig.trusted_comment, "\tfile:" IMAGE) != NULL);
    CHECK(strstr(sig.trusted_comment, "hashed") == NULL);

    CHECK_EQ_INT(parse_sig_fixture(IMAGE ".second.minisig", &sig), 0);
    minisign_format_key_id(sig.key_id, id);
    CHECK_STREQ(id, SECOND_KEY_ID);
}

static void test_verify_fixtures(void)
{
    struct minisign_key both[] = { second_key, key };
    struct minisign_signature sig;
    size_t len;

    CHECK_EQ_INT(verify_fixture(IMAGE, IMAGE ".minisig", &key, 1), 0);
    CHECK_EQ_INT(verify_fixture(IMAGE, IMAGE ".legacy.minisig", &key, 1), 0);
    CHECK_EQ_INT(verify_fixture(IMAGE, IMAGE ".minisig", both, 2), 0); /* chosen by id */
    CHECK_EQ_INT(verify_fixture(IMAGE, IMAGE ".second.minisig", both, 2), 0);
    CHECK_EQ_INT(verify_fixture("Demo-1.0.0.img", "Demo-1.0.0.img.minisig", &key, 1), 0);

    /* no trusted key has the id */
    CHECK_EQ_INT(verify_fixture(IMAGE, IMAGE ".minisig", &second_key, 1), -ENOKEY);
    CHECK_EQ_INT(verify_fixture(IMAGE, IMAGE ".second.minisig", &key, 1), -ENOKEY);
    CHECK_EQ_INT(verify_fixture(IMAGE, IMAGE ".minisig", NULL, 0), -ENOKEY);
    /* another key claiming the id: the global signature already fails */
    struct minisign_key impostor = second_key;
    memcpy(impostor.id, key.id, MINISIGN_KEY_ID_LEN);
    CHECK_EQ_INT(verify_fixture(IMAGE, IMAGE ".minisig", &impostor, 1), -EKEYREJECTED);

    /* a valid signature of another file */
    CHECK_EQ_INT(verify_fixture(IMAGE, "Demo-1.0.0.img.minisig", &key, 1), -EKEYREJECTED);
    CHECK_EQ_INT(verify_fixture("Demo-1.0.0.img", IMAGE ".minisig", &key, 1), -EKEYREJECTED);

    /* streamed in odd pieces; one flipped bit, a cut or an added byte is refused */
    char *data = fixture(IMAGE, &len);
    const char *sigs[] = { IMAGE ".minisig", IMAGE ".legacy.minisig" };
    for (size_t i = 0; i < 2; i++) {
        CHECK_EQ_INT(parse_sig_fixture(sigs[i], &sig), 0);
        CHECK_EQ_INT(verify_data(&sig, &key, 1, data, len, 1), 0);
        CHECK_EQ_INT(verify_data(&sig, &key, 1, data, len, 4093), 0);
        data[len / 2] ^= 0x01;
        CHECK_EQ_INT(verify_data(&sig, &key, 1, data, len, 4096), -EKEYREJECTED);
        data[len / 2] ^= 0x01;
        CHECK_EQ_INT(verify_data(&sig, &key, 1, data, len - 1, 4096), -EKEYREJECTED);
        CHECK_EQ_INT(verify_data(&sig, &key, 1, data, len + 1, 4096), -EKEYREJECTED); /* the NUL */
        CHECK_EQ_INT(verify_data(&sig, &key, 1, data, 0, 4096), -EKEYREJECTED);
    }
    free(data);
}

/* Replace the first FROM in the fixture NAME with TO (same length or not). */
static char *edited_fixture(const char *name, const char *from, const char *to)
{
    size_t len;
    char *text = fixture(name, &len);
    char *at = strstr(text, from);
    CHECK(at != NULL);
    char *out = malloc(len + strlen(to) + 1);
    size_t head = (size_t)(at - text);
    memcpy(out, text, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    free(text);
    return out;
}

/* Decode, change with EDIT, and re-encode the base64 line number LINE (0-based) of TEXT. */
static char *edit_base64_line(const char *text, int line, void (*edit)(uint8_t *raw, size_t len))
{
    char *out = strdup(text), *p = out;
    for (int i = 0; i < line; i++)
        p = strchr(p, '\n') + 1;
    size_t b64_len = (size_t)(strchr(p, '\n') - p);
    uint8_t raw[128];
    int n = EVP_DecodeBlock(raw, (const unsigned char *)p, (int)b64_len);
    CHECK(n > 0);
    n -= (p[b64_len - 1] == '=') + (p[b64_len - 2] == '='); /* EVP counts the padding */
    edit(raw, (size_t)n);
    char b64[200];
    CHECK_EQ_INT(EVP_EncodeBlock((unsigned char *)b64, raw, n), (int)b64_len);
    memcpy(p, b64, b64_len);
    return out;
}

static void algorithm_ee(uint8_t *raw, size_t len)
{
    (void)len;
    raw[1] = 'E';
}

static void flip_signature_bit(uint8_t *raw, size_t len)
{
    raw[len - 1] ^= 0x80; /* the last byte of the (global) signature */
}

static void test_tampered(void)
{
    struct minisign_signature sig;
    struct minisign_verifier *v = NULL;
    size_t len;
    char *text;

    /* an altered trusted comment (another file name) parses, but is refused at once */
    text = edited_fixture(IMAGE ".minisig", "file:" IMAGE, "file:Demo-9.2.3.img");
    CHECK_EQ_INT(parse_sig(text, &sig), 0);
    CHECK_EQ_INT(minisign_verifier_new(&sig, &key, 1, &v), -EKEYREJECTED);
    CHECK(v == NULL);
    free(text);
    text = edited_fixture(IMAGE ".minisig", "\thashed", "");
    CHECK_EQ_INT(parse_sig(text, &sig), 0);
    CHECK_EQ_INT(minisign_verifier_new(&sig, &key, 1, &v), -EKEYREJECTED);
    free(text);

    /* the untrusted comment is not signed: changing it changes nothing */
    text = edited_fixture(IMAGE ".minisig", "signature from minisign secret key", "anything at all");
    CHECK_EQ_INT(parse_sig(text, &sig), 0);
    CHECK_EQ_INT(minisign_verifier_new(&sig, &key, 1, &v), 0);
    minisign_verifier_free(v);
    free(text);

    /* altered global signature; altered file signature (the global one covers it too) */
    char *orig = fixture(IMAGE ".minisig", &len);
    for (int line = 1; line <= 3; line += 2) {
        text = edit_base64_line(orig, line, flip_signature_bit);
        CHECK_EQ_INT(parse_sig(text, &sig), 0);
        CHECK_EQ_INT(minisign_verifier_new(&sig, &key, 1, &v), -EKEYREJECTED);
        free(text);
    }
    /* a struct edited after parsing: the file signature alone wrong */
    CHECK_EQ_INT(parse_sig(orig, &sig), 0);
    char *data = fixture(IMAGE, &len);
    sig.algorithm = MINISIGN_LEGACY; /* a prehashed signature read as legacy */
    CHECK_EQ_INT(verify_data(&sig, &key, 1, data, len, 4096), -EKEYREJECTED);
    free(data);
    free(orig);
}

static void test_malformed(void)
{
    size_t len;
    char *good = fixture(IMAGE ".minisig", &len);
    char *lines[4], *copy = strdup(good);
    struct minisign_signature sig, untouched;
    char bad[16][1024];
    size_t n_bad = 0;

    lines[0] = strtok(copy, "\n");
    for (int i = 1; i < 4; i++)
        lines[i] = strtok(NULL, "\n");
#define BAD(...) snprintf(bad[n_bad++], sizeof(bad[0]), __VA_ARGS__)
    BAD("%s", "");
    BAD("%s\n%s\n%s\n", lines[0], lines[1], lines[2]);                              /* 3 lines */
    BAD("%s\n%s\n%s\n%s\n\n", lines[0], lines[1], lines[2], lines[3]);              /* empty 5th */
    BAD("%s\n%s\n%s\n%s\n%s\n", lines[0], lines[1], lines[2], lines[3], lines[3]);  /* 5 lines */
    BAD("%s\n%s\n%s\n", lines[1], lines[2], lines[3]);                              /* no comment */
    BAD("%s\n%s\n%s\n%s\n", lines[0], lines[2], lines[1], lines[3]);                /* order */
    BAD("%s\n%s=\n%s\n%s\n", lines[0], lines[1], lines[2], lines[3]);               /* long */
    BAD("%s\n%.99s\n%s\n%s\n", lines[0], lines[1], lines[2], lines[3]);             /* short */
    BAD("%s\n%s\n%s\n!%s\n", lines[0], lines[1], lines[2], lines[3] + 1);           /* not base64 */
    BAD("%s\n%s\n%s\n%.86sA=\n", lines[0], lines[1], lines[2], lines[3]);           /* padding */
    BAD("%s\n%s\n%s\n %s\n", lines[0], lines[1], lines[2], lines[3]);               /* space */
    BAD("%s\n%s\ntrusted comment:%s\n%s\n", lines[0], lines[1], lines[2] + 17, lines[3]);
    BAD("%s\n%s\n%s\x01\n%s\n", lines[0], lines[1], lines[2], lines[3]);            /* control */
    BAD("%s\r%s\n%s\n%s\n", lines[0], lines[1], lines[2], lines[3]);                /* lone CR */
    /* non-canonical base64: the global signature's unused low bits set ("...Q==" -> "R==") */
    BAD("%s\n%s\n%s\n%.85sR==\n", lines[0], lines[1], lines[2], lines[3]);
#undef BAD
    memset(&sig, 0x5a, sizeof(sig));
    untouched = sig;
    for (size_t i = 0; i < n_bad; i++) {
        int r = parse_sig(bad[i], &sig);
        if (r != -EBADMSG)
            fprintf(stderr, "signature case %zu accepted\n", i);
        CHECK_EQ_INT(r, -EBADMSG);
    }
    CHECK(memcmp(&sig, &untouched, sizeof(sig)) == 0);
    CHECK(strlen(lines[3]) == 88 && lines[3][86] == '=' && lines[3][87] == '=');

    /* wrong algorithm bytes, well-encoded */
    char *ee = edit_base64_line(good, 1, algorithm_ee);
    CHECK_EQ_INT(parse_sig(ee, &sig), -EBADMSG);
    free(ee);
    /* an embedded NUL; a comment and a file too large */
    CHECK_EQ_INT(minisign_parse_signature(good, len + 1, &sig), -EBADMSG);
    char *huge = calloc(1, MINISIGN_SIGNATURE_FILE_MAX + 2);
    snprintf(huge, MINISIGN_SIGNATURE_FILE_MAX + 2, "%s\n%s\ntrusted comment: %0*d\n%s\n", lines[0], lines[1],
             MINISIGN_TRUSTED_COMMENT_MAX + 1, 0, lines[3]);
    CHECK_EQ_INT(parse_sig(huge, &sig), -EBADMSG);
    memset(huge, 'x', MINISIGN_SIGNATURE_FILE_MAX + 1);
    CHECK_EQ_INT(minisign_parse_signature(huge, MINISIGN_SIGNATURE_FILE_MAX + 1, &sig), -EBADMSG);
    free(huge);

    /* tolerated: CRLF endings, no final newline */
    char ok[1024];
    snprintf(ok, sizeof(ok), "%s\r\n%s\r\n%s\r\n%s\r\n", lines[0], lines[1], lines[2], lines[3]);
    CHECK_EQ_INT(parse_sig(ok, &sig), 0);
    CHECK(strchr(sig.trusted_comment, '\r') == NULL);
    char *data = fixture(IMAGE, &len);
    CHECK_EQ_INT(verify_data(&sig, &key, 1, data, len, 65536), 0);
    snprintf(ok, sizeof(ok), "%s\n%s\n%s\n%s", lines[0], lines[1], lines[2], lines[3]);
    CHECK_EQ_INT(parse_sig(ok, &sig), 0);
    CHECK_EQ_INT(verify_data(&sig, &key, 1, data, len, 65536), 0);
    free(data);
    free(copy);
    free(good);
}

static int file_of(const char *comment, char *out, size_t size)
{
    const char *name;
    size_t len;
    int r = minisign_comment_file(comment, strlen(comment), &name, &len);
    if (r == 0)
        snprintf(out, size, "%.*s", (int)len, name);
    return r;
}

static void test_comment_file(void)
{
    char name[256];

    CHECK_EQ_INT(file_of("timestamp:1795440834\tfile:Demo-1.2.3.img\thashed", name, sizeof(name)), 0);
    CHECK_STREQ(name, "Demo-1.2.3.img");
    CHECK_EQ_INT(file_of("timestamp:1795440834\tfile:Demo-1.2.3.img", name, sizeof(name)), 0);
    CHECK_STREQ(name, "Demo-1.2.3.img");
    CHECK_EQ_INT(file_of("file:Demo-1.2.3.img", name, sizeof(name)), 0);
    CHECK_STREQ(name, "Demo-1.2.3.img");
    /* minisign keeps spaces in the name; the fields are tab-separated */
    CHECK_EQ_INT(file_of("timestamp:1\tfile:my file.img\thashed", name, sizeof(name)), 0);
    CHECK_STREQ(name, "my file.img");
    /* a hand-written comment without tabs is split at spaces */
    CHECK_EQ_INT(file_of("release 7 file:Demo-2.0.0.img built:today", name, sizeof(name)), 0);
    CHECK_STREQ(name, "Demo-2.0.0.img");

    strcpy(name, "untouched");
    CHECK_EQ_INT(file_of("", name, sizeof(name)), -ENOENT);
    CHECK_EQ_INT(file_of("hello world", name, sizeof(name)), -ENOENT);
    CHECK_EQ_INT(file_of("timestamp:1\tprofile:x\thashed", name, sizeof(name)), -ENOENT);
    CHECK_EQ_INT(file_of("timestamp:1\tFILE:x", name, sizeof(name)), -ENOENT);
    CHECK_EQ_INT(file_of("timestamp:1 file:x\thashed", name, sizeof(name)), -ENOENT); /* not a field */
    CHECK_EQ_INT(file_of("file:a\tfile:b", name, sizeof(name)), -EBADMSG);            /* which one? */
    CHECK_EQ_INT(file_of("file:a file:a", name, sizeof(name)), -EBADMSG);
    CHECK_EQ_INT(file_of("timestamp:1\tfile:\thashed", name, sizeof(name)), -EBADMSG); /* empty */
    CHECK_EQ_INT(file_of("file:", name, sizeof(name)), -EBADMSG);
    CHECK_EQ_INT(file_of("file:a\x1b[2Jb\thashed", name, sizeof(name)), -EBADMSG);   /* control */
    CHECK_STREQ(name, "untouched");
}

static int field_of(const char *comment, const char *field, char *out, size_t size)
{
    const char *value;
    size_t len;
    int r = minisign_comment_field(comment, strlen(comment), field, &value, &len);
    if (r == 0)
        snprintf(out, size, "%.*s", (int)len, value);
    return r;
}

/* An overlay's comment (images/signoverlay): a URL holds ':' itself, "urls:" is no "url:". */
static void test_comment_field(void)
{
    static const char comment[] =
        "timestamp:1796000000\turl:http://10.0.2.2:8080/overlays/52:54:00:12:34:56.tar.gz\tserial:1796000000";
    char value[256];

    CHECK_EQ_INT(field_of(comment, "url", value, sizeof(value)), 0);
    CHECK_STREQ(value, "http://10.0.2.2:8080/overlays/52:54:00:12:34:56.tar.gz");
    CHECK_EQ_INT(field_of(comment, "serial", value, sizeof(value)), 0);
    CHECK_STREQ(value, "1796000000");
    CHECK_EQ_INT(field_of(comment, "file", value, sizeof(value)), -ENOENT);
    CHECK_EQ_INT(field_of("urls:http://a/b\tserial:1", "url", value, sizeof(value)), -ENOENT);
    CHECK_EQ_INT(field_of("url:http://a/b\turl:http://a/c", "url", value, sizeof(value)), -EBADMSG);
    CHECK_EQ_INT(field_of("url:\tserial:1", "url", value, sizeof(value)), -EBADMSG);
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, data, len) == (ssize_t)len);
    close(fd);
}

static bool has_key(const struct minisign_key *keys, size_t n, const struct minisign_key *k)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&keys[i], k, sizeof(*k)) == 0)
            return true;
    return false;
}

static void test_load_keys(void)
{
    struct minisign_key *keys = NULL;
    size_t n = 0, len;
    char dir[512];

    /* the data directory: two .pub files among .key, .minisig and images */
    CHECK_EQ_INT(minisign_load_keys(AT_FDCWD, MINISIGN_DATA_DIR, &keys, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK(has_key(keys, n, &key) && has_key(keys, n, &second_key));
    CHECK_EQ_INT(verify_fixture(IMAGE, IMAGE ".second.minisig", keys, n), 0);
    free(keys);

    /* an empty directory: no keys, no error */
    snprintf(dir, sizeof(dir), "%s/keys", tmp);
    CHECK_EQ_INT(mkdir(dir, 0755), 0);
    keys = (struct minisign_key *)&n; /* must become NULL */
    CHECK_EQ_INT(minisign_load_keys(AT_FDCWD, dir, &keys, &n), 0);
    CHECK(keys == NULL);
    CHECK_EQ_INT(n, 0);

    /* relative to a directory fd; hidden and other names are skipped */
    int tmpfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char *pub = fixture("minisign.pub", &len);
    write_file(dir, "release.pub", pub, len);
    write_file(dir, ".old.pub", "junk", 4);
    write_file(dir, "release.pub.bak", "junk", 4);
    write_file(dir, "README", "junk", 4);
    CHECK_EQ_INT(minisign_load_keys(tmpfd, "keys", &keys, &n), 0);
    CHECK_EQ_INT(n, 1);
    CHECK(n == 1 && memcmp(&keys[0], &key, sizeof(key)) == 0);
    free(keys);

    /* the same key twice: which one is meant is ambiguous */
    write_file(dir, "copy.pub", pub, len);
    CHECK_EQ_INT(minisign_load_keys(tmpfd, "keys", &keys, &n), -ENOTUNIQ);
    /* a malformed .pub spoils the directory */
    write_file(dir, "copy.pub", "untrusted comment: x\nnot a key\n", 31);
    CHECK_EQ_INT(minisign_load_keys(tmpfd, "keys", &keys, &n), -EBADMSG);
    CHECK_EQ_INT(minisign_load_keys(tmpfd, "missing", &keys, &n), -ENOENT);
    CHECK_EQ_INT(minisign_load_keys(tmpfd, "keys/release.pub", &keys, &n), -ENOTDIR);
    free(pub);
    close(tmpfd);
}

static void test_verifier_limits(void)
{
    struct minisign_signature sig;
    struct minisign_verifier *v = NULL;

    /* legacy messages are kept in memory: bounded */
    CHECK_EQ_INT(parse_sig_fixture(IMAGE ".legacy.minisig", &sig), 0);
    CHECK_EQ_INT(minisign_verifier_new(&sig, &key, 1, &v), 0);
    size_t chunk = 1024 * 1024;
    char *zero = calloc(1, chunk);
    for (size_t i = 0; i < MINISIGN_LEGACY_MAX_SIZE / chunk; i++)
        CHECK_EQ_INT(minisign_verifier_update(v, zero, chunk), 0);
    CHECK_EQ_INT(minisign_verifier_update(v, zero, 1), -EFBIG);
    CHECK_EQ_INT(minisign_verifier_update(v, zero, 0), -EFBIG); /* sticky */
    CHECK_EQ_INT(minisign_verifier_final(v), -EFBIG);
    CHECK_EQ_INT(minisign_verifier_final(v), -EINVAL);
    CHECK_EQ_INT(minisign_verifier_update(v, zero, 1), -EINVAL);
    minisign_verifier_free(v);
    free(zero);
    minisign_verifier_free(NULL);

    /* prehashed: no limit, no copy; final once */
    CHECK_EQ_INT(parse_sig_fixture(IMAGE ".minisig", &sig), 0);
    CHECK_EQ_INT(minisign_verifier_new(&sig, &key, 1, &v), 0);
    CHECK_EQ_INT(minisign_verifier_final(v), -EKEYREJECTED);
    CHECK_EQ_INT(minisign_verifier_final(v), -EINVAL);
    minisign_verifier_free(v);

    /* a struct not from the parser */
    sig.trusted_comment_len = MINISIGN_TRUSTED_COMMENT_MAX + 1;
    CHECK_EQ_INT(minisign_verifier_new(&sig, &key, 1, &v), -EBADMSG);
}

static void ed25519_sign(EVP_PKEY *pkey, const void *message, size_t len, uint8_t out[MINISIGN_SIGNATURE_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t out_len = MINISIGN_SIGNATURE_LEN;

    CHECK(ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1);
    CHECK(EVP_DigestSign(ctx, out, &out_len, message, len) == 1);
    CHECK_EQ_INT(out_len, MINISIGN_SIGNATURE_LEN);
    EVP_MD_CTX_free(ctx);
}

static void base64(const void *raw, size_t len, char *out)
{
    CHECK_EQ_INT(EVP_EncodeBlock((unsigned char *)out, raw, (int)len), (int)((len + 2) / 3 * 4));
}

/* The .pub and .minisig texts minisign would write for MESSAGE, made from the format
 * description with libcrypto only. */
static void sign_like_minisign(EVP_PKEY *pkey, const uint8_t id[MINISIGN_KEY_ID_LEN], bool prehashed,
                               const char *comment, const void *message, size_t len, char *pub, size_t pub_size,
                               char *sig_text, size_t sig_size)
{
    uint8_t raw[2 + MINISIGN_KEY_ID_LEN + MINISIGN_SIGNATURE_LEN], global[MINISIGN_SIGNATURE_LEN];
    uint8_t digest[EVP_MAX_MD_SIZE], signed_part[MINISIGN_SIGNATURE_LEN + 256];
    char b64[200], global_b64[200], id_hex[2 * MINISIGN_KEY_ID_LEN + 1];
    size_t key_len = MINISIGN_PUBLIC_KEY_LEN;
    unsigned int digest_len = 0;

    memcpy(raw, "Ed", 2);
    memcpy(raw + 2, id, MINISIGN_KEY_ID_LEN);
    CHECK(EVP_PKEY_get_raw_public_key(pkey, raw + 2 + MINISIGN_KEY_ID_LEN, &key_len) == 1);
    base64(raw, 2 + MINISIGN_KEY_ID_LEN + MINISIGN_PUBLIC_KEY_LEN, b64);
    minisign_format_key_id(id, id_hex);
    snprintf(pub, pub_size, "untrusted comment: minisign public key %s\n%s\n", id_hex, b64);

    memcpy(raw, prehashed ? "ED" : "Ed", 2);
    if (prehashed) {
        CHECK(EVP_Digest(message, len, digest, &digest_len, EVP_blake2b512(), NULL) == 1);
        ed25519_sign(pkey, digest, digest_len, raw + 2 + MINISIGN_KEY_ID_LEN);
    } else {
        ed25519_sign(pkey, message, len, raw + 2 + MINISIGN_KEY_ID_LEN);
    }
    base64(raw, sizeof(raw), b64);
    memcpy(signed_part, raw + 2 + MINISIGN_KEY_ID_LEN, MINISIGN_SIGNATURE_LEN);
    CHECK(strlen(comment) <= sizeof(signed_part) - MINISIGN_SIGNATURE_LEN);
    memcpy(signed_part + MINISIGN_SIGNATURE_LEN, comment, strlen(comment));
    ed25519_sign(pkey, signed_part, MINISIGN_SIGNATURE_LEN + strlen(comment), global);
    base64(global, sizeof(global), global_b64);
    snprintf(sig_text, sig_size, "untrusted comment: made by test-minisign\n%s\ntrusted comment: %s\n%s\n", b64,
             comment, global_b64);
}

/* Run `minisign -V -Q` (prints only the trusted comment); returns its exit status and
 * the comment it printed in OUT. */
static int minisign_tool_verify(const char *pub, const char *file, const char *sig, char *out, size_t size)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "minisign -V -Q -p '%s' -m '%s' -x '%s' 2>&1", pub, file, sig);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    out[0] = '\0';
    if (!fgets(out, (int)size, p))
        out[0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_own_signatures(void)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    uint8_t id[MINISIGN_KEY_ID_LEN];
    size_t len = 200 * 1024 + 17;
    uint8_t *message = malloc(len);
    char pub[512], sig_text[1024], comment[256], printed[512];
    char file[256], pub_path[256], sig_path[256];

    CHECK(pkey != NULL);
    CHECK(RAND_bytes(id, sizeof(id)) == 1 && RAND_bytes(message, (int)len) == 1);
    snprintf(file, sizeof(file), "%s/Own-4.5.6.img", tmp);
    snprintf(pub_path, sizeof(pub_path), "%s/own.pub", tmp);
    snprintf(sig_path, sizeof(sig_path), "%s/Own-4.5.6.img.minisig", tmp);
    write_file(tmp, "Own-4.5.6.img", message, len);

    for (int prehashed = 1; prehashed >= 0; prehashed--) {
        struct minisign_key own;
        struct minisign_signature sig;

        snprintf(comment, sizeof(comment), "timestamp:%ld\tfile:Own-4.5.6.img%s", (long)time(NULL),
                 prehashed ? "\thashed" : "");
        sign_like_minisign(pkey, id, prehashed, comment, message, len, pub, sizeof(pub), sig_text, sizeof(sig_text));
        CHECK_EQ_INT(minisign_parse_public_key(pub, strlen(pub), &own), 0);
        CHECK_EQ_INT(parse_sig(sig_text, &sig), 0);
        CHECK_EQ_INT(sig.algorithm, prehashed ? MINISIGN_PREHASHED : MINISIGN_LEGACY);
        CHECK_STREQ(sig.trusted_comment, comment);
        CHECK_EQ_INT(verify_data(&sig, &own, 1, message, len, 65536), 0);
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        CHECK_EQ_INT(minisign_verify_fd(fd, &sig, &own, 1), 0);
        close(fd);

        /* and the real tool agrees, comment included */
        write_file(tmp, "own.pub", pub, strlen(pub));
        write_file(tmp, "Own-4.5.6.img.minisig", sig_text, strlen(sig_text));
        CHECK_EQ_INT(minisign_tool_verify(pub_path, file, sig_path, printed, sizeof(printed)), 0);
        CHECK_STREQ(printed, comment);

        /* a flipped byte: both refuse (the cross-check is not vacuous) */
        message[len - 1] ^= 0x40;
        write_file(tmp, "Own-4.5.6.img", message, len);
        CHECK_EQ_INT(verify_data(&sig, &own, 1, message, len, 65536), -EKEYREJECTED);
        CHECK(minisign_tool_verify(pub_path, file, sig_path, printed, sizeof(printed)) != 0);
        message[len - 1] ^= 0x40;
        write_file(tmp, "Own-4.5.6.img", message, len);
    }
    free(message);
    EVP_PKEY_free(pkey);
}

int main(void)
{
    CHECK(mkdtemp(tmp) != NULL);
    test_keys();
    test_parse_fixtures();
    test_verify_fixtures();
    test_tampered();
    test_malformed();
    test_comment_file();
    test_comment_field();
    test_load_keys();
    test_verifier_limits();
    test_own_signatures();

    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
    CHECK_EQ_INT(system(cmd), 0);
    return TEST_RESULT();
}
