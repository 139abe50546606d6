/* net.c - see net.h. */
#include "net.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "process.h"

static int copy_field(char *dst, size_t size, const char *src, size_t len)
{
    if (len >= size)
        return -EINVAL;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

static int check_ipv4(const char *s)
{
    struct in_addr a;
    return !*s || inet_pton(AF_INET, s, &a) == 1 ? 0 : -EINVAL;
}

static int netmask_prefix(const char *s, unsigned *ret)
{
    struct in_addr a;
    if (!*s) {
        *ret = 24;
        return 0;
    }
    if (inet_pton(AF_INET, s, &a) != 1)
        return -EINVAL;
    uint32_t mask = ntohl(a.s_addr);
    unsigned prefix = (unsigned)__builtin_popcount(mask);
    if (prefix > 0 && mask != ~0u << (32 - prefix))
        return -EINVAL; /* not contiguous */
    *ret = prefix;
    return 0;
}

static int is_dhcp_word(const char *s)
{
    return !*s || strcmp(s, "dhcp") == 0 || strcmp(s, "on") == 0 || strcmp(s, "any") == 0 || strcmp(s, "both") == 0 ||
           strcmp(s, "bootp") == 0;
}

int net_parse_ip_param(const char *value, struct net_static *ret)
{
    struct net_static n = { .prefix = 24 };
    char fields[9][64] = { { 0 } };
    const char *p = value;

    if (!strchr(value, ':')) {
        if (!is_dhcp_word(value))
            return -EINVAL;
        n.dhcp = true;
        *ret = n;
        return 0;
    }
    for (size_t i = 0; i < 9 && p; i++) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (copy_field(fields[i], sizeof(fields[i]), p, len) < 0)
            return -EINVAL;
        p = colon ? colon + 1 : NULL;
    }
    const char *client = fields[0], *gateway = fields[2], *autoconf = fields[6];
    if (check_ipv4(client) < 0 || check_ipv4(fields[1]) < 0 || check_ipv4(gateway) < 0 || check_ipv4(fields[7]) < 0 ||
        netmask_prefix(fields[3], &n.prefix) < 0)
        return -EINVAL;
    n.dhcp = !*client || (strcmp(autoconf, "off") != 0 && strcmp(autoconf, "none") != 0 && *autoconf);
    if (copy_field(n.client, sizeof(n.client), client, strlen(client)) < 0 ||
        copy_field(n.gateway, sizeof(n.gateway), gateway, strlen(gateway)) < 0 ||
        copy_field(n.hostname, sizeof(n.hostname), fields[4], strlen(fields[4])) < 0 ||
        copy_field(n.device, sizeof(n.device), fields[5], strlen(fields[5])) < 0 ||
        copy_field(n.dns, sizeof(n.dns), fields[7], strlen(fields[7])) < 0)
        return -EINVAL;
    *ret = n;
    return 0;
}

/* The first line of PATH into BUF. */
static int read_line(const char *path, char *buf, size_t size)
{
    _cleanup_free_ char *text = NULL;

    int r = fileio_read_file(AT_FDCWD, path, 256, &text, NULL);
    if (r < 0)
        return r;
    text[strcspn(text, "\n")] = '\0';
    snprintf(buf, size, "%s", text);
    return 0;
}

static int read_sysfs(const char *ifname, const char *attr, char *buf, size_t size)
{
    char path[512];

    if (snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr) >= (int)sizeof(path))
        return -ENAMETOOLONG;
    return read_line(path, buf, size);
}

static int set_up(const char *ifname);

static bool is_ethernet(const char *ifname)
{
    char type[16];
    return strcmp(ifname, "lo") != 0 && read_sysfs(ifname, "type", type, sizeof(type)) == 0 && strcmp(type, "1") == 0;
}

static bool has_carrier(const char *ifname)
{
    char carrier[8];
    return read_sysfs(ifname, "carrier", carrier, sizeof(carrier)) == 0 && strcmp(carrier, "1") == 0;
}

/* NETDEV when it exists; else the first Ethernet interface with a link, setting every
 * Ethernet interface up so that links can come.  -ENODEV: no such interface (yet);
 * -ENOLINK: interfaces, but no link (yet). */
static int find_interface(const char *netdev, char *ret, size_t size)
{
    int r = -ENODEV;

    if (netdev) {
        if (!is_ethernet(netdev))
            return -ENODEV;
        (void)set_up(netdev);
        return has_carrier(netdev) ? copy_field(ret, size, netdev, strlen(netdev)) : -ENOLINK;
    }
    _cleanup_closedir_ DIR *dir = opendir("/sys/class/net");
    if (!dir)
        return -ENODEV;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (de->d_name[0] == '.' || !is_ethernet(de->d_name))
            continue;
        (void)set_up(de->d_name);
        if (has_carrier(de->d_name))
            return copy_field(ret, size, de->d_name, strlen(de->d_name));
        r = -ENOLINK;
    }
    return r;
}

/* The interface's IPv4 address, when it has one. */
static int current_ipv4(const char *ifname, char *ret, size_t size)
{
    struct ifaddrs *list, *a;
    int r = -ENOENT;

    if (getifaddrs(&list) < 0)
        return -errno;
    for (a = list; a; a = a->ifa_next)
        if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET && strcmp(a->ifa_name, ifname) == 0) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, ret, (socklen_t)size);
            r = 0;
            break;
        }
    freeifaddrs(list);
    return r;
}

static int set_up(const char *ifname)
{
    struct ifreq ifr = { 0 };
    _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -errno;
    if (strlen(ifname) >= sizeof(ifr.ifr_name))
        return -EINVAL;
    memcpy(ifr.ifr_name, ifname, strlen(ifname));
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        return -errno;
    ifr.ifr_flags |= IFF_UP;
    return ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

int net_link_up(const char *ifname)
{
    return set_up(ifname);
}

/* Run the busybox applet ARGV[0]; its chatter is dropped, the caller says in one line
 * what came of it. */
static int run(char *const argv[])
{
    return process_run(NET_BUSYBOX, argv, true);
}

static int configure_static(const char *ifname, const struct net_static *ip)
{
    char address[32];

    snprintf(address, sizeof(address), "%s/%u", ip->client, ip->prefix);
    int r = run((char *[]){ "ip", "addr", "add", address, "dev", (char *)ifname, NULL });
    if (r >= 0 && *ip->gateway)
        r = run((char *[]){ "ip", "route", "add", "default", "via", (char *)ip->gateway, NULL });
    return r;
}

static int configure_dhcp(const char *ifname, unsigned timeout_s, char *hostname, size_t hostname_size)
{
    char tries[16];
    _cleanup_free_ char *lease = NULL;

    /* udhcpc sends a discover every 2 s: as many as fit in the time left. */
    snprintf(tries, sizeof(tries), "%u", timeout_s / 2 > 0 ? timeout_s / 2 : 1);
    int r = run((char *[]){ "udhcpc", "-i", (char *)ifname, "-f", "-q", "-n", "-t", tries, "-T", "2", "-s",
                            NET_UDHCPC_SCRIPT, NULL });
    if (r < 0)
        return -ETIMEDOUT;
    if (fileio_read_file(AT_FDCWD, NET_LEASE_FILE, 4096, &lease, NULL) >= 0) {
        const char *h = strstr(lease, "hostname=");
        if (h)
            snprintf(hostname, hostname_size, "%.*s", (int)strcspn(h + 9, "\n"), h + 9);
    }
    return 0;
}

/* Wait up to TIMEOUT_S for an interface with a link; returns find_interface's last answer. */
static int wait_for_interface(const char *netdev, char *ret, size_t size, unsigned timeout_s)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int r = find_interface(netdev, ret, size);
        if (r == 0)
            return 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= (time_t)timeout_s)
            return r;
        usleep(100 * 1000);
    }
}

int net_up(const char *netdev, const struct net_static *ip, unsigned timeout_s, struct net_info *ret, char *error,
           size_t error_size)
{
    struct net_info info = { 0 };

    int r = wait_for_interface(netdev, info.ifname, sizeof(info.ifname), timeout_s);
    if (r == -ENOLINK) {
        snprintf(error, error_size, "no link on %s within %u s", netdev ? netdev : "any interface", timeout_s);
        return r;
    }
    if (r < 0) {
        snprintf(error, error_size, netdev ? "no interface %s" : "no network interface", netdev);
        return -ENODEV;
    }
    (void)read_sysfs(info.ifname, "address", info.mac, sizeof(info.mac));
    (void)read_line("/sys/class/dmi/id/product_uuid", info.uuid, sizeof(info.uuid));
    if (ip && *ip->hostname)
        snprintf(info.hostname, sizeof(info.hostname), "%s", ip->hostname);

    if (current_ipv4(info.ifname, info.ip, sizeof(info.ip)) == 0) {
        *ret = info; /* the kernel's ip= autoconfiguration already ran */
        return 0;
    }
    if (ip && !ip->dhcp)
        r = configure_static(info.ifname, ip);
    else
        r = configure_dhcp(info.ifname, timeout_s, info.hostname, sizeof(info.hostname));
    if (r < 0 || current_ipv4(info.ifname, info.ip, sizeof(info.ip)) < 0) {
        snprintf(error, error_size, ip && !ip->dhcp ? "cannot configure %s" : "no DHCP lease on %s within %u s",
                 info.ifname, timeout_s);
        return -ETIMEDOUT;
    }
    *ret = info;
    return 0;
}
