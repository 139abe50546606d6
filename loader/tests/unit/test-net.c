/* test-net.c - the kernel's ip= syntax, as the loader reads it. */
#include <errno.h>

#include "net.h"
#include "tests.h"

int main(void)
{
    struct net_static s;

    static const char *const dhcp[] = { "dhcp", "on", "any", "both", "bootp", "", ":::::eth0:dhcp", "::::::" };
    for (size_t i = 0; i < sizeof(dhcp) / sizeof(dhcp[0]); i++) {
        CHECK_EQ_INT(net_parse_ip_param(dhcp[i], &s), 0);
        CHECK(s.dhcp);
    }

    CHECK_EQ_INT(net_parse_ip_param("10.0.2.15::10.0.2.2:255.255.255.0:box:eth0:off:10.0.2.3", &s), 0);
    CHECK(!s.dhcp);
    CHECK_STREQ(s.client, "10.0.2.15");
    CHECK_STREQ(s.gateway, "10.0.2.2");
    CHECK_EQ_INT(s.prefix, 24);
    CHECK_STREQ(s.hostname, "box");
    CHECK_STREQ(s.device, "eth0");
    CHECK_STREQ(s.dns, "10.0.2.3");

    CHECK_EQ_INT(net_parse_ip_param("192.168.7.9:::255.255.0.0", &s), 0); /* autoconf empty: static */
    CHECK(!s.dhcp);
    CHECK_EQ_INT(s.prefix, 16);
    CHECK_STREQ(s.gateway, "");
    CHECK_EQ_INT(net_parse_ip_param("192.168.7.9::::::dhcp", &s), 0); /* an address, but DHCP asked */
    CHECK(s.dhcp);

    static const char *const bad[] = {
        "static", "10.0.2.256::::", "10.0.2::::", "10.0.2.15::gw::", "10.0.2.15:::255.0.255.0", "10.0.2.15:::255.255.255.x",
        "10.0.2.15::::aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    s.prefix = 99;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_EQ_INT(net_parse_ip_param(bad[i], &s), -EINVAL);
    CHECK_EQ_INT(s.prefix, 99); /* untouched */
    return TEST_RESULT();
}
