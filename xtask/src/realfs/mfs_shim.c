/* LD_PRELOAD shim for MooseFS on loopback (built by `cargo xtask realfs`).
 *
 * MooseFS refuses 127.x addresses between master and chunkservers, so the
 * master remaps 127.0.0.0/24 to the multicast label 239.255.255.0/24. This
 * connect() maps 239.255.255.N back to 127.0.0.N and refuses every other
 * address that is not loopback, so no traffic can leave the machine. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);

static int real_connect(int fd, const struct sockaddr *addr, socklen_t len) {
    static connect_fn real;
    if (!real) {
        real = (connect_fn)dlsym(RTLD_NEXT, "connect");
        if (!real) {
            errno = ENOSYS;
            return -1;
        }
    }
    return real(fd, addr, len);
}

/* 0: pass through unchanged; 1: rewritten in *ip; -1: refuse. */
static int map_v4(uint32_t *ip) {
    uint32_t h = ntohl(*ip);
    if ((h & 0xffffff00u) == 0xefffff00u) { /* 239.255.255.N */
        *ip = htonl(0x7f000000u | (h & 0xffu));
        return 1;
    }
    if ((h >> 24) == 127u || h == 0u) /* loopback, INADDR_ANY (= local) */
        return 0;
    return -1;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
    if (addr && addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        struct sockaddr_in sin;
        memcpy(&sin, addr, sizeof sin);
        int m = map_v4(&sin.sin_addr.s_addr);
        if (m < 0) {
            errno = ENETUNREACH;
            return -1;
        }
        return real_connect(fd, (const struct sockaddr *)&sin, sizeof sin);
    }
    if (addr && addr->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 sin6;
        memcpy(&sin6, addr, sizeof sin6);
        if (IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr))
            return real_connect(fd, addr, len);
        if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
            uint32_t ip;
            memcpy(&ip, &sin6.sin6_addr.s6_addr[12], 4);
            if (map_v4(&ip) >= 0) {
                memcpy(&sin6.sin6_addr.s6_addr[12], &ip, 4);
                return real_connect(fd, (const struct sockaddr *)&sin6, sizeof sin6);
            }
        }
        errno = ENETUNREACH;
        return -1;
    }
    return real_connect(fd, addr, len);
}
