/*
 * berth_net: the network namespace and rtnetlink calls @berth/network makes per container,
 * so that attaching a container spawns no process.
 *
 *   createNetns(path)                          a new netns, bind-mounted on `path` (an existing file), lo up
 *   deleteNetns(path)                          umount2(path, MNT_DETACH) (ENOENT/EINVAL ignored)
 *   addVeth(netnsPath, bridge, hostName, ifname, mac, address, prefix, gateway, mtu)
 *                                              veth pair, peer moved into the netns as `ifname` with `mac`,
 *                                              host side enslaved to `bridge` and up; inside: address/prefix,
 *                                              up, default route via `gateway` ('' for none)
 *   ensureBridge(name, address, prefix, mtu)   the bridge (made when missing), its IPv4 address, up
 *   deleteLink(name)                           RTM_DELLINK in berthd's netns (ENODEV ignored)
 *   deleteLinkIn(netnsPath, ifname)            RTM_DELLINK inside the netns (ENODEV ignored)
 *   setDefaultRoute(netnsPath, gateway)        replaces (or with '' removes) the default route inside
 *   connectInNetns(netnsPath, port) -> fd      a TCP connection to localhost:port (127.0.0.1, then ::1) made
 *                                              from inside the netns (the socket stays in it): CRI port-forward
 *   nftApplyAsync(script) -> Promise           the same on libuv's thread pool (the event loop stays free)
 *   nftApply(script)                           runs an nft script in-process through libnftables (dlopen'd:
 *                                              the library the nft program itself is made of), no process;
 *                                              throws ENOSYS when the library is missing
 *
 * Namespace work happens on a short-lived pthread (unshare/setns change the calling thread
 * only), joined before the call returns; berthd's own threads never change namespace.
 * Every call is synchronous: each is a handful of syscalls. Errors are thrown with a
 * message "what: strerror" and `code` (the errno name).
 */
#define _GNU_SOURCE
#include <node_api.h>
#include "berth_napi.h"
#include <errno.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSZ 4096

struct req {
  struct nlmsghdr n;
  union {
    struct ifinfomsg i;
    struct ifaddrmsg a;
    struct rtmsg r;
  } u;
  char buf[BUFSZ];
};

static void addattr(struct nlmsghdr *n, int type, const void *data, int len) {
  struct rtattr *rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
  rta->rta_type = type;
  rta->rta_len = RTA_LENGTH(len);
  if (len) memcpy(RTA_DATA(rta), data, len);
  n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static void addattr_str(struct nlmsghdr *n, int type, const char *s) { addattr(n, type, s, strlen(s) + 1); }
static void addattr_u32(struct nlmsghdr *n, int type, unsigned v) { addattr(n, type, &v, 4); }

static struct rtattr *nest(struct nlmsghdr *n, int type) {
  struct rtattr *start = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
  addattr(n, type, NULL, 0);
  return start;
}
static void nest_end(struct nlmsghdr *n, struct rtattr *start) { start->rta_len = (char *)n + NLMSG_ALIGN(n->nlmsg_len) - (char *)start; }

static int nl_open(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return -errno;
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

static unsigned seqno = 1;

/* Sends one request with NLM_F_ACK and waits for its ack: 0 or -errno. */
static int nl_talk(int fd, struct nlmsghdr *n) {
  n->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  n->nlmsg_seq = __atomic_add_fetch(&seqno, 1, __ATOMIC_SEQ_CST);
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  if (sendto(fd, n, n->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) return -errno;
  char buf[8192];
  for (;;) {
    ssize_t len = recv(fd, buf, sizeof buf, 0);
    if (len < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != n->nlmsg_seq) continue;
      if (h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *e = (struct nlmsgerr *)NLMSG_DATA(h);
        return e->error;
      }
    }
  }
}

static void req_init(struct req *r, int type, int flags, size_t body) {
  memset(r, 0, sizeof *r);
  r->n.nlmsg_len = NLMSG_LENGTH(body);
  r->n.nlmsg_type = type;
  r->n.nlmsg_flags = flags;
}

static int link_up(int fd, int index, int master) {
  struct req r;
  req_init(&r, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
  r.u.i.ifi_family = AF_UNSPEC;
  r.u.i.ifi_index = index;
  r.u.i.ifi_flags = IFF_UP;
  r.u.i.ifi_change = IFF_UP;
  if (master > 0) addattr_u32(&r.n, IFLA_MASTER, master);
  return nl_talk(fd, &r.n);
}

/* Hairpin mode on a bridge port: a container can reach its own published port through the host. */
static int set_hairpin(int fd, int index) {
  struct req r;
  req_init(&r, RTM_SETLINK, 0, sizeof(struct ifinfomsg));
  r.u.i.ifi_family = AF_BRIDGE;
  r.u.i.ifi_index = index;
  struct rtattr *p = nest(&r.n, IFLA_PROTINFO | NLA_F_NESTED);
  unsigned char on = 1;
  addattr(&r.n, IFLA_BRPORT_MODE, &on, 1);
  nest_end(&r.n, p);
  return nl_talk(fd, &r.n);
}

static int link_del(int fd, const char *name) {
  struct req r;
  req_init(&r, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
  r.u.i.ifi_family = AF_UNSPEC;
  addattr_str(&r.n, IFLA_IFNAME, name);
  int rc = nl_talk(fd, &r.n);
  return rc == -ENODEV ? 0 : rc;
}

static int addr_add(int fd, int index, struct in_addr a, int prefix) {
  struct req r;
  req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, sizeof(struct ifaddrmsg));
  r.u.a.ifa_family = AF_INET;
  r.u.a.ifa_prefixlen = prefix;
  r.u.a.ifa_index = index;
  r.u.a.ifa_scope = RT_SCOPE_UNIVERSE;
  addattr(&r.n, IFA_LOCAL, &a, 4);
  addattr(&r.n, IFA_ADDRESS, &a, 4);
  if (prefix < 31) {
    struct in_addr b;
    b.s_addr = a.s_addr | htonl(prefix == 0 ? 0xffffffffu : (0xffffffffu >> prefix));
    addattr(&r.n, IFA_BROADCAST, &b, 4);
  }
  return nl_talk(fd, &r.n);
}

/* Replaces (or removes, when gw is NULL) the main table's default route. */
static int default_route(int fd, const struct in_addr *gw) {
  struct req r;
  if (!gw) {
    req_init(&r, RTM_DELROUTE, 0, sizeof(struct rtmsg));
    r.u.r.rtm_family = AF_INET;
    r.u.r.rtm_table = RT_TABLE_MAIN;
    r.u.r.rtm_scope = RT_SCOPE_NOWHERE;
    int rc = nl_talk(fd, &r.n);
    return rc == -ESRCH ? 0 : rc;
  }
  req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, sizeof(struct rtmsg));
  r.u.r.rtm_family = AF_INET;
  r.u.r.rtm_table = RT_TABLE_MAIN;
  r.u.r.rtm_protocol = RTPROT_BOOT;
  r.u.r.rtm_scope = RT_SCOPE_UNIVERSE;
  r.u.r.rtm_type = RTN_UNICAST;
  addattr(&r.n, RTA_GATEWAY, gw, 4);
  return nl_talk(fd, &r.n);
}

/* ---- work done on a thread inside a namespace ---------------------------------------- */

enum op { OP_CREATE, OP_CONFIGURE, OP_DELETE_IN, OP_ROUTE, OP_CONNECT };

struct job {
  enum op op;
  const char *path;    /* netns file */
  const char *ifname;
  struct in_addr addr;
  int prefix;
  int has_gw;
  struct in_addr gw;
  int port;            /* OP_CONNECT */
  int out_fd;          /* OP_CONNECT: the connected socket */
  int rc;              /* 0 or -errno */
  const char *what;    /* the step that failed */
};

static void *job_main(void *arg) {
  struct job *j = arg;
  int fd = -1;
  if (j->op == OP_CREATE) {
    if (unshare(CLONE_NEWNET) < 0) { j->rc = -errno; j->what = "unshare"; return NULL; }
    if (mount("/proc/thread-self/ns/net", j->path, NULL, MS_BIND, NULL) < 0) { j->rc = -errno; j->what = "bind mount"; return NULL; }
  } else {
    int ns = open(j->path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) { j->rc = -errno; j->what = "open netns"; return NULL; }
    int rc = setns(ns, CLONE_NEWNET);
    int e = errno;
    close(ns);
    if (rc < 0) { j->rc = -e; j->what = "setns"; return NULL; }
  }
  if (j->op == OP_CONNECT) {
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(j->port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(j->port), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int s4 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s4 < 0) { j->rc = -errno; j->what = "socket"; return NULL; }
    if (connect(s4, (struct sockaddr *)&a4, sizeof a4) == 0) { j->out_fd = s4; return NULL; }
    int e4 = errno;
    close(s4);
    int s6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s6 >= 0) {
      if (connect(s6, (struct sockaddr *)&a6, sizeof a6) == 0) { j->out_fd = s6; return NULL; }
      close(s6);
    }
    j->rc = -e4;
    j->what = "connect";
    return NULL;
  }
  fd = nl_open();
  if (fd < 0) { j->rc = fd; j->what = "netlink socket"; return NULL; }
  switch (j->op) {
    case OP_CREATE:
      j->what = "lo up";
      j->rc = link_up(fd, 1, 0);
      break;
    case OP_CONFIGURE: {
      int idx = if_nametoindex(j->ifname);
      if (!idx) { j->rc = -errno; j->what = "interface index"; break; }
      j->what = "address";
      if ((j->rc = addr_add(fd, idx, j->addr, j->prefix))) break;
      j->what = "link up";
      if ((j->rc = link_up(fd, idx, 0))) break;
      if (j->has_gw) { j->what = "default route"; j->rc = default_route(fd, &j->gw); }
      break;
    }
    case OP_DELETE_IN:
      j->what = "delete link";
      j->rc = link_del(fd, j->ifname);
      break;
    case OP_ROUTE:
      j->what = "default route";
      j->rc = default_route(fd, j->has_gw ? &j->gw : NULL);
      break;
    case OP_CONNECT: /* done above */
      break;
  }
  close(fd);
  return NULL;
}

static int run_job(struct job *j) {
  pthread_t t;
  int rc = pthread_create(&t, NULL, job_main, j);
  if (rc) { j->rc = -rc; j->what = "pthread_create"; return j->rc; }
  pthread_join(t, NULL);
  return j->rc;
}

/* ---- N-API glue ------------------------------------------------------------------------ */

static napi_value throw_err(napi_env env, int err, const char *what, const char *subject) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s %s: %s", what, subject ? subject : "", strerror(err));
  napi_value jmsg, jcode, jerr;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &jmsg);
  napi_create_string_utf8(env, berth_errno_name(err), NAPI_AUTO_LENGTH, &jcode);
  napi_create_error(env, jcode, jmsg, &jerr);
  napi_throw(env, jerr);
  return NULL;
}

static int str_arg(napi_env env, napi_value v, char *buf, size_t len) {
  size_t got;
  if (napi_get_value_string_utf8(env, v, buf, len, &got) != napi_ok || got >= len - 1) {
    napi_throw_type_error(env, "EINVAL", "berth_net: bad string argument");
    return 0;
  }
  return 1;
}

static int args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, "EINVAL", "berth_net: missing arguments");
    return 0;
  }
  return 1;
}

static int parse_ip(napi_env env, const char *s, struct in_addr *a) {
  if (inet_pton(AF_INET, s, a) != 1) {
    napi_throw_type_error(env, "EINVAL", "berth_net: bad IPv4 address");
    return 0;
  }
  return 1;
}

static napi_value js_create_netns(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char path[4096];
  if (!args(env, info, 1, argv) || !str_arg(env, argv[0], path, sizeof path)) return NULL;
  struct job j = {.op = OP_CREATE, .path = path};
  if (run_job(&j)) return throw_err(env, -j.rc, j.what, path);
  return NULL;
}

static napi_value js_delete_netns(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char path[4096];
  if (!args(env, info, 1, argv) || !str_arg(env, argv[0], path, sizeof path)) return NULL;
  if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) return throw_err(env, errno, "umount", path);
  return NULL;
}

static napi_value js_add_veth(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  char path[4096], bridge[IFNAMSIZ + 1], host[IFNAMSIZ + 1], ifname[IFNAMSIZ + 1], mac[32], addr[32], gw[32];
  int32_t prefix, mtu;
  if (!args(env, info, 9, argv)) return NULL;
  if (!str_arg(env, argv[0], path, sizeof path) || !str_arg(env, argv[1], bridge, sizeof bridge) || !str_arg(env, argv[2], host, sizeof host) ||
      !str_arg(env, argv[3], ifname, sizeof ifname) || !str_arg(env, argv[4], mac, sizeof mac) || !str_arg(env, argv[5], addr, sizeof addr) ||
      !str_arg(env, argv[7], gw, sizeof gw))
    return NULL;
  napi_get_value_int32(env, argv[6], &prefix);
  napi_get_value_int32(env, argv[8], &mtu);
  struct job j = {.op = OP_CONFIGURE, .path = path, .ifname = ifname, .prefix = prefix};
  if (!parse_ip(env, addr, &j.addr)) return NULL;
  if (gw[0]) {
    if (!parse_ip(env, gw, &j.gw)) return NULL;
    j.has_gw = 1;
  }
  unsigned char hw[6];
  if (sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &hw[0], &hw[1], &hw[2], &hw[3], &hw[4], &hw[5]) != 6) {
    napi_throw_type_error(env, "EINVAL", "berth_net: bad MAC address");
    return NULL;
  }
  int master = if_nametoindex(bridge);
  if (!master) return throw_err(env, errno, "bridge", bridge);
  int ns = open(path, O_RDONLY | O_CLOEXEC);
  if (ns < 0) return throw_err(env, errno, "open netns", path);
  int fd = nl_open();
  if (fd < 0) {
    close(ns);
    return throw_err(env, -fd, "netlink socket", "");
  }
  struct req r;
  req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
  r.u.i.ifi_family = AF_UNSPEC;
  addattr_str(&r.n, IFLA_IFNAME, host);
  addattr_u32(&r.n, IFLA_MTU, mtu);
  struct rtattr *li = nest(&r.n, IFLA_LINKINFO);
  addattr(&r.n, IFLA_INFO_KIND, "veth", 4);
  struct rtattr *data = nest(&r.n, IFLA_INFO_DATA);
  struct rtattr *peer = nest(&r.n, VETH_INFO_PEER);
  struct ifinfomsg pi = {.ifi_family = AF_UNSPEC};
  r.n.nlmsg_len += sizeof pi; /* the peer's ifinfomsg header sits inside the attribute */
  memcpy(RTA_DATA(peer), &pi, sizeof pi);
  addattr_str(&r.n, IFLA_IFNAME, ifname);
  addattr(&r.n, IFLA_ADDRESS, hw, 6);
  addattr_u32(&r.n, IFLA_MTU, mtu);
  addattr_u32(&r.n, IFLA_NET_NS_FD, ns);
  nest_end(&r.n, peer);
  nest_end(&r.n, data);
  nest_end(&r.n, li);
  int rc = nl_talk(fd, &r.n);
  close(ns);
  if (rc) {
    close(fd);
    return throw_err(env, -rc, "veth", host);
  }
  int idx = if_nametoindex(host);
  rc = idx ? link_up(fd, idx, master) : -errno;
  if (rc) {
    link_del(fd, host);
    close(fd);
    return throw_err(env, -rc, "veth up", host);
  }
  set_hairpin(fd, idx); /* best effort */
  if (run_job(&j)) {
    link_del(fd, host);
    close(fd);
    return throw_err(env, -j.rc, j.what, ifname);
  }
  close(fd);
  return NULL;
}

static napi_value js_delete_link(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char name[IFNAMSIZ + 1];
  if (!args(env, info, 1, argv) || !str_arg(env, argv[0], name, sizeof name)) return NULL;
  int fd = nl_open();
  if (fd < 0) return throw_err(env, -fd, "netlink socket", "");
  int rc = link_del(fd, name);
  close(fd);
  if (rc) return throw_err(env, -rc, "delete link", name);
  return NULL;
}

static napi_value js_delete_link_in(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char path[4096], ifname[IFNAMSIZ + 1];
  if (!args(env, info, 2, argv) || !str_arg(env, argv[0], path, sizeof path) || !str_arg(env, argv[1], ifname, sizeof ifname)) return NULL;
  struct job j = {.op = OP_DELETE_IN, .path = path, .ifname = ifname};
  if (run_job(&j)) return throw_err(env, -j.rc, j.what, ifname);
  return NULL;
}

static napi_value js_set_default_route(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char path[4096], gw[32];
  if (!args(env, info, 2, argv) || !str_arg(env, argv[0], path, sizeof path) || !str_arg(env, argv[1], gw, sizeof gw)) return NULL;
  struct job j = {.op = OP_ROUTE, .path = path};
  if (gw[0]) {
    if (!parse_ip(env, gw, &j.gw)) return NULL;
    j.has_gw = 1;
  }
  if (run_job(&j)) return throw_err(env, -j.rc, j.what, path);
  return NULL;
}

/* connectInNetns(netnsPath, port) -> fd: localhost:port, connected from inside the netns. */
static napi_value js_connect_in_netns(napi_env env, napi_callback_info info) {
  napi_value argv[2], out;
  char path[4096];
  int32_t port;
  if (!args(env, info, 2, argv) || !str_arg(env, argv[0], path, sizeof path)) return NULL;
  if (napi_get_value_int32(env, argv[1], &port) != napi_ok || port < 1 || port > 65535) {
    napi_throw_type_error(env, "EINVAL", "berth_net: bad port");
    return NULL;
  }
  struct job j = {.op = OP_CONNECT, .path = path, .port = port, .out_fd = -1};
  char subject[32];
  snprintf(subject, sizeof subject, "localhost:%d", port);
  if (run_job(&j)) return throw_err(env, -j.rc, j.what, subject);
  napi_create_int32(env, j.out_fd, &out);
  return out;
}

/* ensureBridge(name, address, prefix, mtu): the bridge (made when missing), its IPv4 address, up. */
static napi_value js_ensure_bridge(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  char name[IFNAMSIZ + 1], addr[32];
  int32_t prefix, mtu;
  if (!args(env, info, 4, argv) || !str_arg(env, argv[0], name, sizeof name) || !str_arg(env, argv[1], addr, sizeof addr)) return NULL;
  napi_get_value_int32(env, argv[2], &prefix);
  napi_get_value_int32(env, argv[3], &mtu);
  struct in_addr a;
  if (!parse_ip(env, addr, &a)) return NULL;
  int fd = nl_open();
  if (fd < 0) return throw_err(env, -fd, "netlink socket", "");
  int idx = if_nametoindex(name);
  if (!idx) {
    struct req r;
    req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
    r.u.i.ifi_family = AF_UNSPEC;
    addattr_str(&r.n, IFLA_IFNAME, name);
    addattr_u32(&r.n, IFLA_MTU, mtu);
    struct rtattr *li = nest(&r.n, IFLA_LINKINFO);
    addattr(&r.n, IFLA_INFO_KIND, "bridge", 6);
    nest_end(&r.n, li);
    int rc = nl_talk(fd, &r.n);
    if (rc && rc != -EEXIST) {
      close(fd);
      return throw_err(env, -rc, "bridge", name);
    }
    idx = if_nametoindex(name);
    if (!idx) {
      int e = errno;
      close(fd);
      return throw_err(env, e, "bridge", name);
    }
  }
  int rc = addr_add(fd, idx, a, prefix);
  if (!rc) rc = link_up(fd, idx, 0);
  close(fd);
  if (rc) return throw_err(env, -rc, "bridge address", name);
  return NULL;
}

/* libnftables' C API (nftables/libnftables.h), resolved at run time. */
struct nft_ctx;
static struct {
  int tried;
  struct nft_ctx *(*ctx_new)(unsigned);
  int (*buffer_error)(struct nft_ctx *);
  int (*buffer_output)(struct nft_ctx *);
  const char *(*get_error)(struct nft_ctx *);
  int (*run)(struct nft_ctx *, const char *);
  void (*ctx_free)(struct nft_ctx *);
} nft;

static int nft_load(void) {
  if (nft.tried) return nft.run != NULL;
  nft.tried = 1;
  void *h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) return 0;
  nft.ctx_new = dlsym(h, "nft_ctx_new");
  nft.buffer_error = dlsym(h, "nft_ctx_buffer_error");
  nft.buffer_output = dlsym(h, "nft_ctx_buffer_output");
  nft.get_error = dlsym(h, "nft_ctx_get_error_buffer");
  nft.ctx_free = dlsym(h, "nft_ctx_free");
  nft.run = dlsym(h, "nft_run_cmd_from_buffer");
  if (!nft.ctx_new || !nft.buffer_error || !nft.buffer_output || !nft.get_error || !nft.ctx_free || !nft.run) nft.run = NULL;
  return nft.run != NULL;
}

/* Runs one script; 0, or -1 with the error text (malloc'd) in *err. */
static int nft_run_script(const char *script, char **err) {
  *err = NULL;
  if (!nft_load()) {
    *err = strdup("libnftables.so.1: cannot load");
    return -ENOSYS;
  }
  struct nft_ctx *ctx = nft.ctx_new(0);
  if (!ctx) {
    *err = strdup("nft: no context");
    return -ENOMEM;
  }
  nft.buffer_output(ctx);
  nft.buffer_error(ctx);
  int rc = nft.run(ctx, script);
  if (rc != 0) {
    const char *e = nft.get_error(ctx);
    *err = strdup(e && *e ? e : "nft: the script failed");
  }
  nft.ctx_free(ctx);
  return rc == 0 ? 0 : -1;
}

struct nft_work {
  napi_async_work work;
  napi_deferred deferred;
  char *script;
  char *err;
  int rc;
};

static void nft_execute(napi_env env, void *data) {
  struct nft_work *w = data;
  w->rc = nft_run_script(w->script, &w->err);
}

static void nft_complete(napi_env env, napi_status status, void *data) {
  struct nft_work *w = data;
  if (w->rc == 0 && status == napi_ok) {
    napi_value undef;
    napi_get_undefined(env, &undef);
    napi_resolve_deferred(env, w->deferred, undef);
  } else {
    napi_value jmsg, jcode, jerr;
    napi_create_string_utf8(env, w->err ? w->err : "nft: failed", NAPI_AUTO_LENGTH, &jmsg);
    napi_create_string_utf8(env, w->rc == -ENOSYS ? "ENOSYS" : "ENFT", NAPI_AUTO_LENGTH, &jcode);
    napi_create_error(env, jcode, jmsg, &jerr);
    napi_reject_deferred(env, w->deferred, jerr);
  }
  napi_delete_async_work(env, w->work);
  free(w->script);
  free(w->err);
  free(w);
}

/* nftApplyAsync(script) -> Promise: the script runs on libuv's thread pool (berthd's netns). */
static napi_value js_nft_apply_async(napi_env env, napi_callback_info info) {
  napi_value argv[1], promise, name;
  if (!args(env, info, 1, argv)) return NULL;
  size_t len;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "berth_net: bad script");
    return NULL;
  }
  struct nft_work *w = calloc(1, sizeof *w);
  if (!w || !(w->script = malloc(len + 1))) {
    free(w);
    return throw_err(env, ENOMEM, "nft", "");
  }
  napi_get_value_string_utf8(env, argv[0], w->script, len + 1, &len);
  napi_create_promise(env, &w->deferred, &promise);
  napi_create_string_utf8(env, "berth_nft", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, nft_execute, nft_complete, w, &w->work);
  napi_queue_async_work(env, w->work);
  return promise;
}

static napi_value js_nft_apply(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return NULL;
  size_t len;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "berth_net: bad script");
    return NULL;
  }
  char *script = malloc(len + 1);
  if (!script) return throw_err(env, ENOMEM, "nft", "");
  napi_get_value_string_utf8(env, argv[0], script, len + 1, &len);
  if (!nft_load()) {
    free(script);
    return throw_err(env, ENOSYS, "nft", "libnftables.so.1");
  }
  struct nft_ctx *ctx = nft.ctx_new(0);
  if (!ctx) {
    free(script);
    return throw_err(env, ENOMEM, "nft", "context");
  }
  nft.buffer_output(ctx);
  nft.buffer_error(ctx);
  int rc = nft.run(ctx, script);
  free(script);
  if (rc != 0) {
    const char *e = nft.get_error(ctx);
    napi_value jmsg, jcode, jerr;
    napi_create_string_utf8(env, e && *e ? e : "nft: the script failed", NAPI_AUTO_LENGTH, &jmsg);
    napi_create_string_utf8(env, "ENFT", NAPI_AUTO_LENGTH, &jcode);
    napi_create_error(env, jcode, jmsg, &jerr);
    nft.ctx_free(ctx);
    napi_throw(env, jerr);
    return NULL;
  }
  nft.ctx_free(ctx);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"createNetns", NULL, js_create_netns, NULL, NULL, NULL, napi_default, NULL},
      {"deleteNetns", NULL, js_delete_netns, NULL, NULL, NULL, napi_default, NULL},
      {"addVeth", NULL, js_add_veth, NULL, NULL, NULL, napi_default, NULL},
      {"deleteLink", NULL, js_delete_link, NULL, NULL, NULL, napi_default, NULL},
      {"deleteLinkIn", NULL, js_delete_link_in, NULL, NULL, NULL, napi_default, NULL},
      {"setDefaultRoute", NULL, js_set_default_route, NULL, NULL, NULL, napi_default, NULL},
      {"ensureBridge", NULL, js_ensure_bridge, NULL, NULL, NULL, napi_default, NULL},
      {"connectInNetns", NULL, js_connect_in_netns, NULL, NULL, NULL, napi_default, NULL},
      {"nftApply", NULL, js_nft_apply, NULL, NULL, NULL, napi_default, NULL},
      {"nftApplyAsync", NULL, js_nft_apply_async, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
