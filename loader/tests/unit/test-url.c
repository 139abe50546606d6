/* test-url.c - hopboot.src= parsing and ${...} templates. */
#include <errno.h>
#include <stdlib.h>

#include "url.h"
#include "tests.h"

static void test_parse(void)
{
    struct url u;

    CHECK_EQ_INT(url_parse("http://10.0.2.2:8080/images/", &u), 0);
    CHECK_EQ_INT(u.scheme, URL_HTTP);
    CHECK_STREQ(u.host, "10.0.2.2");
    CHECK_EQ_INT(u.port, 8080);
    CHECK_STREQ(u.path, "/images/");
    CHECK(!u.names_image);
    url_done(&u);

    CHECK_EQ_INT(url_parse("tftp://boot.example/x/Demo-1.2.img", &u), 0);
    CHECK_EQ_INT(u.scheme, URL_TFTP);
    CHECK_EQ_INT(u.port, 0);
    CHECK(u.names_image);
    char *dir = NULL, *file = NULL;
    CHECK_EQ_INT(url_split(&u, &dir, &file), 0);
    CHECK_STREQ(dir, "/x/");
    CHECK_STREQ(file, "Demo-1.2.img");
    free(dir);
    free(file);
    url_done(&u);

    CHECK_EQ_INT(url_parse("nfs://server:20490/export/images", &u), 0);
    CHECK_EQ_INT(u.scheme, URL_NFS);
    CHECK_EQ_INT(url_split(&u, &dir, &file), 0);
    CHECK_STREQ(dir, "/export/images/"); /* a directory gains its slash */
    CHECK(file == NULL);
    free(dir);
    url_done(&u);

    CHECK_EQ_INT(url_parse("card", &u), 0);
    CHECK_EQ_INT(u.scheme, URL_CARD);
    url_done(&u);
    static const char *const blocks[] = { "LABEL=USBIMAGES", "UUID=1234-ABCD", "/dev/sdb1", "/dev/etherd/e0.1",
                                          "/dev/md127" };
    for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
        CHECK_EQ_INT(url_parse(blocks[i], &u), 0);
        CHECK_EQ_INT(u.scheme, URL_BLOCK);
        CHECK_STREQ(u.text, blocks[i]);
        CHECK(u.host == NULL);
        url_done(&u);
    }
    CHECK_EQ_INT(url_default_port(URL_HTTPS), 443);
    CHECK_EQ_INT(url_default_port(URL_TFTP), 69);
}

static void test_bad(void)
{
    static const char *const bad[] = {
        "", "cards", "http://", "http:///x", "http://host", "http://host:/x", "http://host:0/x", "http://host:65536/x",
        "http://host:8x/x", "gopher://host/x", "HTTP://host/x", "http://user:pw@host/x", "http://[::1]/x",
        "http://host/a b", "http://host/a\"b", "http://host/x?y=1", "http://host/x#f", "http://host/\x01",
        "file:///etc/passwd", "LABEL=", "UUID=", "/dev/", "/dev/../etc/x", "LABEL=a\x01", "label=X", "/devices/x",
    };
    struct url u = { .port = 77 };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = url_parse(bad[i], &u);
        if (r != -EINVAL)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK_EQ_INT(r, -EINVAL);
    }
    CHECK_EQ_INT(u.port, 77); /* untouched */
}

static void test_list(void)
{
    struct url *urls = NULL;
    size_t n = 0;

    CHECK_EQ_INT(url_parse_list("LABEL=USB,http://a/,card", &urls, &n), 0);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(urls[0].scheme, URL_BLOCK);
    url_free_array(urls, n);
    CHECK_EQ_INT(url_parse_list("http://a/,ftp://b/c/,card", &urls, &n), 0);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(urls[1].scheme, URL_FTP);
    CHECK_EQ_INT(urls[2].scheme, URL_CARD);
    url_free_array(urls, n);

    CHECK_EQ_INT(url_parse_list("", &urls, &n), -EINVAL);
    CHECK_EQ_INT(url_parse_list("http://a/,", &urls, &n), -EINVAL);
    CHECK_EQ_INT(url_parse_list("http://a/,,card", &urls, &n), -EINVAL);
    CHECK_EQ_INT(url_parse_list("http://a/,nope", &urls, &n), -EINVAL);
}

static void test_expand(void)
{
    struct url_vars vars = { .mac = "52:54:00:12:34:56", .ip = "10.0.2.15", .hostname = "box", .uuid = NULL };
    char *out = NULL;

    CHECK_EQ_INT(url_expand("http://s/${mac}/${hostname}-${ip}.img", &vars, &out), 0);
    CHECK_STREQ(out, "http://s/52:54:00:12:34:56/box-10.0.2.15.img");
    free(out);
    CHECK_EQ_INT(url_expand("http://s/plain/$HOME/{x}", &vars, &out), 0); /* only ${...} is special */
    CHECK_STREQ(out, "http://s/plain/$HOME/{x}");
    free(out);
    out = (char *)"untouched";
    CHECK_EQ_INT(url_expand("http://s/${uuid}/", &vars, &out), -ENODATA); /* unknown here */
    CHECK_EQ_INT(url_expand("http://s/${serial}/", &vars, &out), -EINVAL);
    CHECK_EQ_INT(url_expand("http://s/${mac", &vars, &out), -EINVAL);
    CHECK_EQ_INT(url_expand("http://s/${}", &vars, &out), -EINVAL);
    CHECK_STREQ(out, "untouched");
}

int main(void)
{
    test_parse();
    test_bad();
    test_list();
    test_expand();
    return TEST_RESULT();
}
