/*
 * Minimal rtnetlink client: RTM_NEWADDR and interface up, acknowledged
 * request by request.  Only the control thread calls it, at start.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nl.h"

struct nl_req {
	struct nlmsghdr		nh;
	struct ifaddrmsg	ifa;
	char			attrs[128];
};

static void
add_attr(struct nlmsghdr *nh, unsigned short type, const void *data,
    unsigned short len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh +
	    NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static int
nl_talk(int fd, struct nlmsghdr *nh)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[4096];
	struct nlmsghdr *r;
	ssize_t len;

	if (sendto(fd, nh, nh->nlmsg_len, 0, (struct sockaddr *)&sa,
	    sizeof(sa)) < 0)
		return -errno;
	len = recv(fd, buf, sizeof(buf), 0);
	if (len < 0)
		return -errno;
	for (r = (struct nlmsghdr *)buf; NLMSG_OK(r, (unsigned int)len);
	    r = NLMSG_NEXT(r, len)) {
		if (r->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(r);

			return e->error == -EEXIST ? 0 : e->error;
		}
	}
	return 0;
}

static int
link_up(const char *ifname, unsigned int mtu)
{
	struct ifreq ifr;
	int fd, rc = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_mtu = (int)mtu;
	(void)ioctl(fd, SIOCSIFMTU, &ifr);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		rc = -errno;
	else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			rc = -errno;
	}
	close(fd);
	return rc;
}

int
nl_tap_setup(const char *ifname, const struct cfg_addr *addr,
    unsigned int naddr, unsigned int mtu)
{
	struct nl_req req;
	unsigned int i, idx, seq = 1;
	uint32_t flags;
	int fd, rc;

	idx = if_nametoindex(ifname);
	if (idx == 0)
		return -errno;
	if ((rc = link_up(ifname, mtu)) < 0)
		return rc;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	for (i = 0; i < naddr; i++) {
		const struct cfg_addr *a = &addr[i];
		unsigned short alen = a->family == AF_INET ? 4 : 16;

		memset(&req, 0, sizeof(req));
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
		req.nh.nlmsg_type = RTM_NEWADDR;
		req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
		    NLM_F_REPLACE;
		req.nh.nlmsg_seq = seq++;
		req.ifa.ifa_family = (unsigned char)a->family;
		req.ifa.ifa_prefixlen = a->plen;
		req.ifa.ifa_index = idx;
		add_attr(&req.nh, IFA_LOCAL, a->u.bytes, alen);
		add_attr(&req.nh, IFA_ADDRESS, a->u.bytes, alen);
		if (a->family == AF_INET6) {
			flags = IFA_F_NODAD;
			add_attr(&req.nh, IFA_FLAGS, &flags, sizeof(flags));
		}
		if ((rc = nl_talk(fd, &req.nh)) < 0)
			break;
	}
	close(fd);
	return rc;
}
