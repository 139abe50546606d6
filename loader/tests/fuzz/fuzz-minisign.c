/* fuzz-minisign.c - minisign_parse_public_key, minisign_parse_signature,
 * minisign_comment_field, minisign_comment_file and minisign_verifier_new (minisign.h)
 * against the contract in their header:
 *  - both parsers return 0 or -EBADMSG, leave their output alone on failure, and accept
 *    exactly what a reference reading of the formats accepts (lines, prefixes, canonical
 *    base64 checked by round trip through libcrypto's encoder), with the same fields;
 *  - a parsed trusted comment is NUL-terminated, printable, at most
 *    MINISIGN_TRUSTED_COMMENT_MAX bytes;
 *  - a parsed signature never verifies a file it was not made for: the key id of nothing
 *    trusted gives -ENOKEY, and the fixture key (whose real signatures are seeds) either
 *    rejects the comment or rejects the input as the signed file;
 *  - the file: extractor finds exactly the one field starting with "file:" (fields split
 *    at tabs, or at spaces when there is no tab), and refuses empty or control values.
 * Input: raw bytes, read as a public key, as a .minisig file and as a trusted comment. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>

#include "fuzz.h"
#include "minisign.h"

/* data/minisign/minisign.pub of the unit tests: the key of the seed signatures. */
#define FIXTURE_KEY "RWQevPGGJC4WNsBmJdNnxyw0r8pFRxUIbSw/a+ddwEfstdqev6u6Igah"

struct ref_line {
    const char *text;
    size_t len;
};

/* The lines of TEXT as the header describes them; false when it cannot be read so. */
static bool reference_lines(const char *text, size_t len, struct ref_line *lines, size_t max, size_t *ret_n)
{
    size_t n = 0, start = 0;

    for (size_t i = 0; i < len; i++)
        if (text[i] == '\0' || (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n')))
            return false;
    while (start < len) {
        size_t end = start;
        while (end < len && text[end] != '\n')
            end++;
        size_t line_len = end - start;
        if (end < len && line_len > 0 && text[end - 1] == '\r')
            line_len--;
        if (n == max)
            return false;
        lines[n++] = (struct ref_line){ text + start, line_len };
        start = end + 1;
    }
    *ret_n = n;
    return true;
}

/* LINE decoded into exactly OUT_LEN bytes when it is their canonical base64: libcrypto's
 * lenient decoder, then its encoder must give LINE back. */
static bool reference_base64(const struct ref_line *line, uint8_t *out, size_t out_len)
{
    unsigned char decoded[128], encoded[200];

    if (out_len > 96 || line->len != (out_len + 2) / 3 * 4)
        return false;
    if (EVP_DecodeBlock(decoded, (const unsigned char *)line->text, (int)line->len) < 0)
        return false;
    if (EVP_EncodeBlock(encoded, decoded, (int)out_len) != (int)line->len ||
        memcmp(encoded, line->text, line->len) != 0)
        return false;
    memcpy(out, decoded, out_len);
    return true;
}

static bool starts_with(const struct ref_line *line, const char *prefix)
{
    return line->len >= strlen(prefix) && memcmp(line->text, prefix, strlen(prefix)) == 0;
}

static void check_public_key(const char *text, size_t len)
{
    struct minisign_key key, poison;
    struct ref_line lines[3];
    uint8_t raw[42];
    size_t n = 0;

    bool valid = len <= MINISIGN_PUBLIC_KEY_FILE_MAX && reference_lines(text, len, lines, 2, &n) && n >= 1 &&
                 (n == 1 || starts_with(&lines[0], "untrusted comment: ")) &&
                 reference_base64(&lines[n - 1], raw, sizeof(raw)) && raw[0] == 'E' && raw[1] == 'd';
    memset(&key, 0xa5, sizeof(key));
    poison = key;
    int r = minisign_parse_public_key(text, len, &key);
    FUZZ_ASSERT(r == (valid ? 0 : -EBADMSG));
    if (!valid)
        FUZZ_ASSERT(memcmp(&key, &poison, sizeof(key)) == 0);
    else
        FUZZ_ASSERT(memcmp(key.id, raw + 2, 8) == 0 && memcmp(key.key, raw + 10, 32) == 0);
}

static bool printable(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
            return false;
    return true;
}

/* The signature as the header describes it; false when TEXT is not one. */
static bool reference_signature(const char *text, size_t len, struct minisign_signature *ret)
{
    static const char trusted[] = "trusted comment: ";
    struct ref_line lines[4];
    uint8_t raw[74];
    size_t n = 0;

    if (len > MINISIGN_SIGNATURE_FILE_MAX || !reference_lines(text, len, lines, 4, &n) || n != 4)
        return false;
    if (!starts_with(&lines[0], "untrusted comment: ") || !starts_with(&lines[2], trusted))
        return false;
    if (!reference_base64(&lines[1], raw, sizeof(raw)) || raw[0] != 'E' || (raw[1] != 'd' && raw[1] != 'D'))
        return false;
    ret->algorithm = raw[1] == 'D' ? MINISIGN_PREHASHED : MINISIGN_LEGACY;
    memcpy(ret->key_id, raw + 2, 8);
    memcpy(ret->signature, raw + 10, 64);
    ret->trusted_comment_len = lines[2].len - strlen(trusted);
    if (ret->trusted_comment_len > MINISIGN_TRUSTED_COMMENT_MAX ||
        !printable(lines[2].text + strlen(trusted), ret->trusted_comment_len))
        return false;
    memcpy(ret->trusted_comment, lines[2].text + strlen(trusted), ret->trusted_comment_len);
    return reference_base64(&lines[3], ret->global_signature, 64);
}

/* Nothing the fuzzer writes is a signature the fixture key made for these bytes. */
static void check_never_verifies(const struct minisign_signature *sig, const char *text, size_t len)
{
    struct minisign_verifier *v = NULL;
    struct minisign_key key;

    FUZZ_ASSERT(minisign_parse_public_key(FIXTURE_KEY, strlen(FIXTURE_KEY), &key) == 0);
    memcpy(key.id, sig->key_id, MINISIGN_KEY_ID_LEN);
    key.id[0] ^= 1;
    FUZZ_ASSERT(minisign_verifier_new(sig, &key, 1, &v) == -ENOKEY && v == NULL);
    key.id[0] ^= 1;
    int r = minisign_verifier_new(sig, &key, 1, &v);
    FUZZ_ASSERT(r == 0 || r == -EKEYREJECTED);
    if (r == 0) { /* a seed: a real signature and comment, but not of these bytes */
        FUZZ_ASSERT(minisign_verifier_update(v, text, len) == 0);
        FUZZ_ASSERT(minisign_verifier_final(v) == -EKEYREJECTED);
        FUZZ_ASSERT(minisign_verifier_final(v) == -EINVAL);
        minisign_verifier_free(v);
    }
}

static void check_signature(const char *text, size_t len)
{
    struct minisign_signature sig, want, poison;

    memset(&want, 0, sizeof(want));
    bool valid = reference_signature(text, len, &want);
    memset(&sig, 0xa5, sizeof(sig));
    poison = sig;
    int r = minisign_parse_signature(text, len, &sig);
    FUZZ_ASSERT(r == (valid ? 0 : -EBADMSG));
    if (!valid) {
        FUZZ_ASSERT(memcmp(&sig, &poison, sizeof(sig)) == 0);
        return;
    }
    FUZZ_ASSERT(sig.algorithm == want.algorithm);
    FUZZ_ASSERT(memcmp(sig.key_id, want.key_id, MINISIGN_KEY_ID_LEN) == 0);
    FUZZ_ASSERT(memcmp(sig.signature, want.signature, MINISIGN_SIGNATURE_LEN) == 0);
    FUZZ_ASSERT(memcmp(sig.global_signature, want.global_signature, MINISIGN_SIGNATURE_LEN) == 0);
    FUZZ_ASSERT(sig.trusted_comment_len == want.trusted_comment_len);
    FUZZ_ASSERT(sig.trusted_comment_len <= MINISIGN_TRUSTED_COMMENT_MAX);
    FUZZ_ASSERT(memcmp(sig.trusted_comment, want.trusted_comment, want.trusted_comment_len) == 0);
    FUZZ_ASSERT(sig.trusted_comment[sig.trusted_comment_len] == '\0');
    FUZZ_ASSERT(strlen(sig.trusted_comment) == sig.trusted_comment_len);
    check_never_verifies(&sig, text, len);
}

/* minisign_comment_field for KEY against a plain reference; "file" also through
 * minisign_comment_file, which must agree. */
static void check_comment_field(const char *comment, size_t len, const char *key)
{
    char separator = memchr(comment, '\t', len) ? '\t' : ' ';
    size_t fields = 0, value = 0, value_len = 0, key_len = strlen(key);

    /* every field that starts with "KEY:", and the first one's value */
    for (size_t i = 0; i + key_len + 1 <= len; i++) {
        if ((i > 0 && comment[i - 1] != separator) || memcmp(comment + i, key, key_len) != 0 ||
            comment[i + key_len] != ':')
            continue;
        if (fields++ == 0) {
            value = i + key_len + 1;
            while (value + value_len < len && comment[value + value_len] != separator)
                value_len++;
        }
    }
    bool clean = value_len > 0;
    for (size_t i = value; i < value + value_len; i++)
        if ((unsigned char)comment[i] < 0x20 || comment[i] == 0x7f)
            clean = false;

    const char *poison = "poison", *found = poison;
    size_t found_len = 12345;
    int r = minisign_comment_field(comment, len, key, &found, &found_len);
    if (fields == 0)
        FUZZ_ASSERT(r == -ENOENT);
    else if (fields > 1 || !clean)
        FUZZ_ASSERT(r == -EBADMSG);
    else
        FUZZ_ASSERT(r == 0 && found == comment + value && found_len == value_len);
    if (r < 0)
        FUZZ_ASSERT(found == poison && found_len == 12345);
    if (strcmp(key, "file") == 0) {
        const char *name = poison;
        size_t name_len = 12345;
        FUZZ_ASSERT(minisign_comment_file(comment, len, &name, &name_len) == r);
        FUZZ_ASSERT(name == found && name_len == found_len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_memdup(data, size);

    check_public_key(text, size);
    check_signature(text, size);
    check_comment_field(text, size, "file");
    check_comment_field(text, size, "url");
    check_comment_field(text, size, "serial");
    free(text);
    return 0;
}
