/* net.h - bring up one network interface for the loader: reuse the kernel's own
 * autoconfiguration when it already ran, else a static ip= (the kernel's syntax), else
 * DHCP through busybox udhcpc.  Does not log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* udhcpc and ip are busybox applets, run through the multi-call binary by name. */
#define NET_BUSYBOX "/bin/busybox"
#define NET_UDHCPC_SCRIPT "/usr/lib/hopboot/udhcpc-script"
#define NET_LEASE_FILE "/run/hopboot/lease"

struct net_static {
    bool dhcp;            /* no usable static address: ask DHCP */
    char client[16];      /* dotted IPv4 */
    char gateway[16];     /* may be empty */
    unsigned prefix;      /* from the netmask; 24 when it is empty */
    char hostname[64];    /* may be empty */
    char device[32];      /* may be empty: any interface */
    char dns[16];         /* may be empty */
};

/* Parse the kernel's ip= value: "dhcp", "on", "any", "both", "bootp" or "" mean DHCP;
 * else client:server:gateway:netmask:hostname:device:autoconf:dns0[:dns1...].  A static
 * client address with autoconf "dhcp"/"on"/"any" still means DHCP, as in the kernel.
 * Returns 0, or -EINVAL for a malformed address, netmask or an overlong field. */
int net_parse_ip_param(const char *value, struct net_static *ret);

struct net_info {
    char ifname[16];   /* IFNAMSIZ */
    char mac[18];      /* "52:54:00:12:34:56" */
    char ip[16];
    char hostname[64]; /* from DHCP or ip=; may be empty */
    char uuid[40];     /* DMI product UUID; may be empty */
};

/* Bring up NETDEV (NULL: the first Ethernet interface with a link; all are set up to
 * find it) within TIMEOUT_S, then configure it as IP (a net_parse_ip_param result; NULL:
 * DHCP) says, unless it already has an IPv4 address.  On failure writes a
 * phrase into ERROR: -ENODEV no interface, -ENOLINK no carrier, -ETIMEDOUT no lease. */
int net_up(const char *netdev, const struct net_static *ip, unsigned timeout_s, struct net_info *ret, char *error,
           size_t error_size);

/* Set IFNAME up (IFF_UP), nothing more: no address, no waiting for a link (AoE needs
 * only the link).  Returns 0 or -errno (-ENODEV: no such interface). */
int net_link_up(const char *ifname);
