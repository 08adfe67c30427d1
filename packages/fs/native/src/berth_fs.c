/*
 * berth_fs: paths inside a container's root (or a volume) resolved in the kernel, and the *at
 * calls that act on what the resolution returned, so that nothing is ever opened again by a
 * string path that a process inside the container could have changed in between.
 *
 *   resolve(rootFd, dests, mountFds, path, flags) -> { parent, fd, path, mount }
 *       Walks `path` (container scope) one component at a time, each with
 *       openat2(dir, name, O_PATH|O_NOFOLLOW, RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS)
 *       from an fd held open; a symlink met is read (readlinkat on its O_PATH fd) and its target
 *       continued in the container's scope (absolute: from the root; `..` never above it); a
 *       component equal to a mount destination (resolved container paths, `dests[i]`) continues
 *       in that mount's fd (`mountFds[i]`). flags: 1 follow the last component, 2 create missing
 *       parent directories (0755), 4 walk on past missing parts without creating anything (a
 *       missing component and all below it are taken as written, `..` pops them; a mount
 *       destination met there continues in the mount). Returns O_PATH fds (close them): `parent`
 *       (-1 for the root; with missing parts, the deepest directory that exists), `fd` (-1 when
 *       the last component does not exist), the resolved container path (Buffer), the index of
 *       the mount it lies in (-1: the root) and `missing`, how many trailing components of the
 *       path do not exist (0, 1, or more with flag 4).
 *   openRoot(path)                         O_PATH fd of a host path (the daemon's own)
 *   openat(dirFd, name, flags, mode)       name: one component; '' reopens dirFd itself
 *   lstatat(dirFd, name)                   [mode, uid, gid, size, mtimeSec, mtimeNsec, nlink, rdev, ino, dev] or null
 *   mkdirat(dirFd, name, mode) / symlinkat(target, dirFd, name) / mknodat(dirFd, name, mode, major, minor)
 *   linkat(oldDirFd, oldName, newDirFd, newName) / renameat(...) / unlinkat(dirFd, name, isDir)
 *   removeAllAt(dirFd, name)              rm -rf of one entry, never following a symlink
 *   fchownat(dirFd, name, uid, gid) / fchmodat(dirFd, name, mode) / utimensat(dirFd, name, atime, mtime[, atimeNsec, mtimeNsec])
 *       never follow a symlink; name '' acts on dirFd itself (AT_EMPTY_PATH)
 *   readlinkat(dirFd, name)                -> Buffer
 *   setxattrAt(dirFd, name, key, value)    an xattr on name ('' dirFd itself), never following it
 *   createFile(dirFd, name, data, uid, gid, mode, atime, mtime) -> false if name exists
 *       a whole small file in one call (create O_EXCL|O_NOFOLLOW, write, owner/mode where they
 *       differ, times, close): docker cp's many small files without a call per syscall
 *   createFiles(meta, arena, count, from, async) -> index of the first name that exists (count: none)
 *       createFile for a batch of small files, in order, on a libuv worker thread when async
 *       (a Promise): docker cp's parse of the next files goes on while these are written
 *   readSmallFile(dirFd, name, max)       -> [mode, uid, gid, size, mtimeSec, data, mtimeNsec, atimeSec, atimeNsec] or null (not a
 *       plain small file: no xattrs, one link); opened O_NOFOLLOW in dirFd, described by fstat
 *
 * Names are strings (UTF-8) or Buffers (raw bytes). Every call but async createFiles is synchronous (each is one or a
 * few cheap syscalls). Errors are Node-style: code, errno, syscall, path.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include "berth_napi.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_LINKS 255
#define NAME_CAP (PATH_MAX + 1)
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* Paths are raw bytes: `path` is latin1, byte for byte. */
#define throw_errno(env, err, syscall, path) berth_throw_errno(env, err, syscall, path, 1)
#define get_args(env, info, want, argv) berth_get_args(env, info, want, argv, "berth_fs")

/* A path or name: a JS string (UTF-8) or a Buffer of raw bytes. */

/* Access and modification times given in seconds (a double, as JavaScript has them) as the two
   timespecs of utimensat/futimens; a negative fraction (times before 1970) is clamped to 0. */
static void to_timespecs(double at, double mt, struct timespec ts[2]) {
  double secs[2] = {at, mt};
  for (int i = 0; i < 2; i++) {
    ts[i].tv_sec = (time_t)secs[i];
    ts[i].tv_nsec = (long)((secs[i] - (double)ts[i].tv_sec) * 1e9);
    if (ts[i].tv_nsec < 0) ts[i].tv_nsec = 0;
  }
}

static int get_path(napi_env env, napi_value v, char *buf, size_t cap) {
  bool is_buffer = false;
  if (napi_is_buffer(env, v, &is_buffer) == napi_ok && is_buffer) {
    void *data = NULL;
    size_t len = 0;
    napi_get_buffer_info(env, v, &data, &len);
    if (len >= cap) {
      throw_errno(env, ENAMETOOLONG, "berth_fs", "path");
      return 0;
    }
    if (memchr(data, 0, len) != NULL) {
      throw_errno(env, EINVAL, "berth_fs", "path with a NUL byte");
      return 0;
    }
    memcpy(buf, data, len);
    buf[len] = 0;
    return 1;
  }
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, cap, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "berth_fs: expected a string or a Buffer");
    return 0;
  }
  if (len >= cap - 1) {
    throw_errno(env, ENAMETOOLONG, "berth_fs", "path");
    return 0;
  }
  return 1;
}

/* One component: not empty (unless allow_empty), no '/', not '.' or '..'. */
static int get_name(napi_env env, napi_value v, char *buf, int allow_empty) {
  if (!get_path(env, v, buf, NAME_CAP)) return 0;
  if ((!allow_empty && buf[0] == 0) || strchr(buf, '/') != NULL || strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0) {
    throw_errno(env, EINVAL, "berth_fs: not a single name", buf);
    return 0;
  }
  return 1;
}

static int get_i32(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "berth_fs: expected an integer");
    return 0;
  }
  return 1;
}

static int get_u32(napi_env env, napi_value v, uint32_t *out) {
  if (napi_get_value_uint32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "berth_fs: expected an unsigned integer");
    return 0;
  }
  return 1;
}

static napi_value num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

static int open_beneath(int dirfd, const char *name, int flags) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (unsigned long long)(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd;
  do fd = syscall(SYS_openat2, dirfd, name, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN);
  return (int)fd;
}

/* ---- resolve ---- */

typedef struct {
  int fd;
  size_t plen; /* length of the resolved path up to and including this component */
  int mount;
  int start; /* the frame a relative walk starts from: its parents are not on the stack */
} frame;

typedef struct {
  frame *f;
  size_t n, cap;
} stack;

static int push(stack *s, int fd, size_t plen, int mount) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    frame *f = realloc(s->f, cap * sizeof *f);
    if (!f) return -1;
    s->f = f;
    s->cap = cap;
  }
  s->f[s->n++] = (frame){fd, plen, mount, 0};
  return 0;
}

/* A frame whose fd is -1 is a missing component walked past (flag 4): nothing is open for it. */
static void pop(stack *s) {
  if (s->n > 1) {
    int fd = s->f[--s->n].fd;
    if (fd >= 0) close(fd);
  }
}

static void free_stack(stack *s) {
  for (size_t i = 0; i < s->n; i++)
    if (s->f[i].fd >= 0) close(s->f[i].fd);
  free(s->f);
}

/* The next component of `rest` from *pos (skipping '' and '.'); 0 when none is left. */
static int next_component(const char *rest, size_t *pos, const char **start, size_t *len) {
  for (;;) {
    while (rest[*pos] == '/') (*pos)++;
    if (rest[*pos] == 0) return 0;
    size_t s = *pos;
    while (rest[*pos] != 0 && rest[*pos] != '/') (*pos)++;
    size_t l = *pos - s;
    if (l == 1 && rest[s] == '.') continue;
    *start = rest + s;
    *len = l;
    return 1;
  }
}

static int has_more(const char *rest, size_t pos) {
  const char *s;
  size_t l;
  return next_component(rest, &pos, &s, &l);
}

static napi_value js_resolve(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  size_t argc = 8;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5) {
    napi_throw_type_error(env, "EINVAL", "berth_fs: missing arguments");
    return NULL;
  }
  int32_t start_fd = -1, start_mount = -1;
  if (argc >= 8) {
    napi_valuetype t;
    napi_typeof(env, argv[5], &t);
    if (t == napi_number && (!get_i32(env, argv[5], &start_fd) || !get_i32(env, argv[7], &start_mount))) return NULL;
  }
  int32_t rootfd;
  uint32_t flags, nm = 0, nfds = 0;
  if (!get_i32(env, argv[0], &rootfd) || !get_u32(env, argv[4], &flags)) return NULL;
  napi_get_array_length(env, argv[1], &nm);
  napi_get_array_length(env, argv[2], &nfds);
  if (nm != nfds) {
    napi_throw_type_error(env, "EINVAL", "berth_fs: resolve: dests and mountFds differ in length");
    return NULL;
  }
  char *input = malloc(NAME_CAP);
  char **dests = calloc(nm + 1, sizeof *dests);
  int *mfds = calloc(nm + 1, sizeof *mfds);
  char *rest = NULL, *cur = NULL;
  stack st = {0};
  napi_value result = NULL;
  int err = 0;
  const char *failed = "resolve";
  if (!input || !dests || !mfds) {
    err = ENOMEM;
    goto out;
  }
  if (!get_path(env, argv[3], input, NAME_CAP)) goto out_thrown;
  for (uint32_t i = 0; i < nm; i++) {
    napi_value d, f;
    napi_get_element(env, argv[1], i, &d);
    napi_get_element(env, argv[2], i, &f);
    dests[i] = malloc(NAME_CAP);
    if (!dests[i]) {
      err = ENOMEM;
      goto out;
    }
    if (!get_path(env, d, dests[i], NAME_CAP) || !get_i32(env, f, &mfds[i])) goto out_thrown;
  }
  /* The resolved path so far ("" for the root), and what is left to walk. */
  size_t cur_cap = NAME_CAP * 2;
  cur = malloc(cur_cap);
  rest = strdup(input);
  if (!cur || !rest) {
    err = ENOMEM;
    goto out;
  }
  cur[0] = 0;
  int root_mount = -1;
  for (uint32_t i = 0; i < nm; i++)
    if (strcmp(dests[i], "/") == 0) root_mount = (int)i;
  int fd0 = fcntl(root_mount >= 0 ? mfds[root_mount] : rootfd, F_DUPFD_CLOEXEC, 0);
  if (fd0 < 0 || push(&st, fd0, 0, root_mount) != 0) {
    err = fd0 < 0 ? errno : ENOMEM;
    if (fd0 >= 0) close(fd0);
    goto out;
  }
  if (start_fd >= 0) {
    /* a walk relative to a directory already resolved (start_fd, at container path argv[6]) */
    char *sp = malloc(NAME_CAP);
    if (!sp) {
      err = ENOMEM;
      goto out;
    }
    if (!get_path(env, argv[6], sp, NAME_CAP)) {
      free(sp);
      goto out_thrown;
    }
    size_t sl = strlen(sp);
    while (sl > 0 && sp[sl - 1] == '/') sl--;
    if (sl > 0) {
      int sfd = fcntl(start_fd, F_DUPFD_CLOEXEC, 0);
      if (sfd < 0 || push(&st, sfd, sl, start_mount) != 0) {
        err = sfd < 0 ? errno : ENOMEM;
        if (sfd >= 0) close(sfd);
        free(sp);
        goto out;
      }
      st.f[st.n - 1].start = 1;
      memcpy(cur, sp, sl);
      cur[sl] = 0;
    }
    free(sp);
  }
  size_t pos = 0;
  int links = 0, missing = 0;
  const char *c;
  size_t clen;
  while (next_component(rest, &pos, &c, &clen)) {
    int last = !has_more(rest, pos);
    frame top = st.f[st.n - 1];
    if (clen == 2 && c[0] == '.' && c[1] == '.') {
      if (top.start) {
        /* above the start directory: walk on from the root, through its parent's path */
        size_t cut = top.plen;
        while (cut > 0 && cur[cut - 1] != '/') cut--;
        size_t left = strlen(rest + pos);
        char *nrest = malloc(cut + left + 2);
        if (!nrest) {
          err = ENOMEM;
          goto out;
        }
        memcpy(nrest, cur, cut);
        nrest[cut] = '/';
        memcpy(nrest + cut + 1, rest + pos, left + 1);
        free(rest);
        rest = nrest;
        pos = 0;
        while (st.n > 1) pop(&st);
        continue;
      }
      pop(&st);
      continue;
    }
    if (top.plen + 1 + clen >= cur_cap) {
      err = ENAMETOOLONG;
      goto out;
    }
    char name[NAME_MAX + 2];
    if (clen > NAME_MAX) {
      err = ENAMETOOLONG;
      goto out;
    }
    memcpy(name, c, clen);
    name[clen] = 0;
    size_t plen = top.plen + 1 + clen;
    cur[top.plen] = '/';
    memcpy(cur + top.plen + 1, c, clen);
    cur[plen] = 0;
    int m = -1;
    for (uint32_t i = 0; i < nm; i++)
      if (strcmp(dests[i], cur) == 0) m = (int)i;
    int fd;
    if (m >= 0) {
      fd = fcntl(mfds[m], F_DUPFD_CLOEXEC, 0);
      if (fd < 0) {
        err = errno;
        goto out;
      }
    } else if (top.fd < 0) {
      /* below a missing component (flag 4): missing too, taken as written */
      fd = -1;
    } else {
      fd = open_beneath(top.fd, name, O_PATH | O_NOFOLLOW);
      if (fd < 0 && errno == ENOENT && !last && (flags & 2)) {
        if (mkdirat(top.fd, name, 0755) != 0 && errno != EEXIST) {
          err = errno;
          failed = "mkdirat";
          goto out;
        }
        fd = open_beneath(top.fd, name, O_PATH | O_NOFOLLOW);
      }
      if (fd < 0 && errno == ENOENT && (flags & 4)) {
        /* walked past, nothing made: a frame without an fd */
        if (push(&st, -1, plen, top.mount) != 0) {
          err = ENOMEM;
          goto out;
        }
        continue;
      }
      if (fd < 0) {
        if (errno == ENOENT && last) {
          missing = 1;
          /* the path names the missing last component */
          break;
        }
        err = errno;
        failed = "openat2";
        goto out;
      }
      struct stat sb;
      if (fstat(fd, &sb) != 0) {
        err = errno;
        close(fd);
        goto out;
      }
      if (S_ISLNK(sb.st_mode) && (!last || (flags & 1))) {
        char target[PATH_MAX + 1];
        ssize_t n = readlinkat(fd, "", target, PATH_MAX);
        int e = errno;
        close(fd);
        if (n < 0) {
          err = e;
          failed = "readlinkat";
          goto out;
        }
        target[n] = 0;
        if (++links > MAX_LINKS) {
          err = ELOOP;
          goto out;
        }
        size_t left = strlen(rest + pos);
        char *nrest = malloc((size_t)n + left + 2);
        if (!nrest) {
          err = ENOMEM;
          goto out;
        }
        memcpy(nrest, target, (size_t)n);
        nrest[n] = '/';
        memcpy(nrest + n + 1, rest + pos, left + 1);
        free(rest);
        rest = nrest;
        pos = 0;
        if (target[0] == '/')
          while (st.n > 1) pop(&st);
        continue;
      }
    }
    if (push(&st, fd, plen, m >= 0 ? m : top.mount) != 0) {
      if (fd >= 0) close(fd);
      err = ENOMEM;
      goto out;
    }
  }
  {
    frame top = st.f[st.n - 1];
    int parent = -1, target = -1;
    size_t plen = top.plen;
    int mount = top.mount;
    uint32_t nmissing = 0;
    if (top.fd < 0) {
      /* missing parts walked past: the parent is the deepest frame that exists */
      size_t i = st.n - 1;
      while (st.f[i].fd < 0) i--, nmissing++;
      parent = fcntl(st.f[i].fd, F_DUPFD_CLOEXEC, 0);
    } else if (missing) {
      nmissing = 1;
      /* cur holds the path with the missing name; the top frame is its parent */
      plen = strlen(cur);
      parent = fcntl(top.fd, F_DUPFD_CLOEXEC, 0);
    } else {
      target = fcntl(top.fd, F_DUPFD_CLOEXEC, 0);
      if (st.n > 1 && !top.start) parent = fcntl(st.f[st.n - 2].fd, F_DUPFD_CLOEXEC, 0);
    }
    if (parent < 0 && target < 0 && (top.fd < 0 || missing)) {
      err = errno;
      goto out;
    }
    napi_value jparent, jfd, jpath, jmount, jmissing;
    napi_create_object(env, &result);
    napi_create_int32(env, parent, &jparent);
    napi_create_int32(env, target, &jfd);
    napi_create_int32(env, mount, &jmount);
    napi_create_uint32(env, nmissing, &jmissing);
    void *copy;
    if (plen == 0)
      napi_create_buffer_copy(env, 1, "/", &copy, &jpath);
    else
      napi_create_buffer_copy(env, plen, cur, &copy, &jpath);
    napi_set_named_property(env, result, "parent", jparent);
    napi_set_named_property(env, result, "fd", jfd);
    napi_set_named_property(env, result, "path", jpath);
    napi_set_named_property(env, result, "mount", jmount);
    napi_set_named_property(env, result, "missing", jmissing);
  }
out:
  /* past missing parts (flag 4), a file in the way is named where the walk met it */
  if (err != 0) throw_errno(env, err, failed, err == ENOTDIR && (flags & 4) && cur ? cur : input ? input : "");
out_thrown:
  free_stack(&st);
  if (dests)
    for (uint32_t i = 0; i < nm; i++) free(dests[i]);
  free(dests);
  free(mfds);
  free(rest);
  free(cur);
  free(input);
  return result;
}

/* ---- single-name calls ---- */

static napi_value js_open_root(napi_env env, napi_callback_info info) {
  napi_value argv[1], r;
  char path[NAME_CAP];
  if (!get_args(env, info, 1, argv) || !get_path(env, argv[0], path, sizeof path)) return NULL;
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "open", path);
  napi_create_int32(env, fd, &r);
  return r;
}

static napi_value js_openat(napi_env env, napi_callback_info info) {
  napi_value argv[4], r;
  char name[NAME_CAP];
  int32_t dirfd, flags;
  uint32_t mode;
  if (!get_args(env, info, 4, argv) || !get_i32(env, argv[0], &dirfd) || !get_name(env, argv[1], name, 1) ||
      !get_i32(env, argv[2], &flags) || !get_u32(env, argv[3], &mode))
    return NULL;
  int fd;
  if (name[0] == 0) {
    /* reopen the object dirFd refers to (an O_PATH fd) with real access flags */
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", dirfd);
    fd = open(proc, (flags | O_CLOEXEC) & ~(O_CREAT | O_NOFOLLOW), 0);
  } else if (flags & O_CREAT) {
    do fd = openat(dirfd, name, flags | O_CLOEXEC | O_NOFOLLOW, (mode_t)mode);
    while (fd < 0 && errno == EINTR);
  } else {
    fd = open_beneath(dirfd, name, flags | O_NOFOLLOW);
  }
  if (fd < 0) return throw_errno(env, errno, "openat", name);
  napi_create_int32(env, fd, &r);
  return r;
}

static napi_value js_lstatat(napi_env env, napi_callback_info info) {
  napi_value argv[2], r;
  char name[NAME_CAP];
  int32_t dirfd;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &dirfd) || !get_name(env, argv[1], name, 1)) return NULL;
  struct stat sb;
  if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW | (name[0] == 0 ? AT_EMPTY_PATH : 0)) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      napi_get_null(env, &r);
      return r;
    }
    return throw_errno(env, errno, "fstatat", name);
  }
  napi_create_array_with_length(env, 10, &r);
  double vals[10] = {sb.st_mode, sb.st_uid, sb.st_gid, (double)sb.st_size, (double)sb.st_mtim.tv_sec, (double)sb.st_mtim.tv_nsec,
                     (double)sb.st_nlink, (double)sb.st_rdev, (double)sb.st_ino, (double)sb.st_dev};
  for (uint32_t i = 0; i < 10; i++) napi_set_element(env, r, i, num(env, vals[i]));
  return r;
}

static napi_value js_mkdirat(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  char name[NAME_CAP];
  int32_t dirfd;
  uint32_t mode;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &dirfd) || !get_name(env, argv[1], name, 0) || !get_u32(env, argv[2], &mode)) return NULL;
  if (mkdirat(dirfd, name, (mode_t)mode) != 0) return throw_errno(env, errno, "mkdirat", name);
  return NULL;
}

static napi_value js_symlinkat(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  char target[NAME_CAP], name[NAME_CAP];
  int32_t dirfd;
  if (!get_args(env, info, 3, argv) || !get_path(env, argv[0], target, sizeof target) || !get_i32(env, argv[1], &dirfd) || !get_name(env, argv[2], name, 0)) return NULL;
  if (symlinkat(target, dirfd, name) != 0) return throw_errno(env, errno, "symlinkat", name);
  return NULL;
}

static napi_value js_mknodat(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  char name[NAME_CAP];
  int32_t dirfd;
  uint32_t mode, major, minor;
  if (!get_args(env, info, 5, argv) || !get_i32(env, argv[0], &dirfd) || !get_name(env, argv[1], name, 0) || !get_u32(env, argv[2], &mode) ||
      !get_u32(env, argv[3], &major) || !get_u32(env, argv[4], &minor))
    return NULL;
  if (mknodat(dirfd, name, (mode_t)mode, makedev(major, minor)) != 0) return throw_errno(env, errno, "mknodat", name);
  return NULL;
}

static napi_value js_linkat(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  char oname[NAME_CAP], nname[NAME_CAP];
  int32_t ofd, nfd;
  if (!get_args(env, info, 4, argv) || !get_i32(env, argv[0], &ofd) || !get_name(env, argv[1], oname, 1) || !get_i32(env, argv[2], &nfd) ||
      !get_name(env, argv[3], nname, 0))
    return NULL;
  if (linkat(ofd, oname, nfd, nname, oname[0] == 0 ? AT_EMPTY_PATH : 0) != 0) return throw_errno(env, errno, "linkat", nname);
  return NULL;
}

static napi_value js_renameat(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  char oname[NAME_CAP], nname[NAME_CAP];
  int32_t ofd, nfd;
  if (!get_args(env, info, 4, argv) || !get_i32(env, argv[0], &ofd) || !get_name(env, argv[1], oname, 0) || !get_i32(env, argv[2], &nfd) ||
      !get_name(env, argv[3], nname, 0))
    return NULL;
  if (renameat(ofd, oname, nfd, nname) != 0) return throw_errno(env, errno, "renameat", nname);
  return NULL;
}

static napi_value js_unlinkat(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  char name[NAME_CAP];
  int32_t dirfd;
  bool dir = false;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &dirfd) || !get_name(env, argv[1], name, 0)) return NULL;
  napi_get_value_bool(env, argv[2], &dir);
  if (unlinkat(dirfd, name, dir ? AT_REMOVEDIR : 0) != 0) return throw_errno(env, errno, "unlinkat", name);
  return NULL;
}

/* rm -rf of `name` in dirfd: directories are opened O_NOFOLLOW|O_DIRECTORY below their parent's fd. */
static int remove_all(int pfd, const char *name, int depth) {
  if (unlinkat(pfd, name, 0) == 0 || errno == ENOENT) return 0;
  if (errno != EISDIR && errno != EPERM) return -1;
  if (depth > 4096) {
    errno = ELOOP;
    return -1;
  }
  int fd = open_beneath(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return -1;
  }
  struct dirent *de;
  int rc = 0;
  for (;;) {
    errno = 0;
    de = readdir(d);
    if (!de) break;
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    if (remove_all(dirfd(d), de->d_name, depth + 1) != 0) {
      rc = -1;
      break;
    }
  }
  int e = errno;
  closedir(d);
  if (rc != 0) {
    errno = e;
    return -1;
  }
  if (unlinkat(pfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) return -1;
  return 0;
}

static napi_value js_remove_all_at(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char name[NAME_CAP];
  int32_t dirfd;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &dirfd) || !get_name(env, argv[1], name, 0)) return NULL;
  if (remove_all(dirfd, name, 0) != 0) return throw_errno(env, errno, "removeAllAt", name);
  return NULL;
}

static napi_value js_fchownat(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  char name[NAME_CAP];
  int32_t dirfd;
  uint32_t uid, gid;
  if (!get_args(env, info, 4, argv) || !get_i32(env, argv[0], &dirfd) || !get_name(env, argv[1], name, 1) || !get_u32(env, argv[2], &uid) ||
      !get_u32(env, argv[3], &gid))
    return NULL;
  if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW | (name[0] == 0 ? AT_EMPTY_PATH : 0)) != 0) return throw_errno(env, errno, "fchownat", name);
  return NULL;
}

static napi_value js_fchmodat(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  char name[NAME_CAP];
  int32_t dirfd;
  uint32_t mode;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &dirfd) || !get_name(env, argv[1], name, 1) || !get_u32(env, argv[2], &mode)) return NULL;
  if (syscall(SYS_fchmodat2, dirfd, name, (mode_t)mode, AT_SYMLINK_NOFOLLOW | (name[0] == 0 ? AT_EMPTY_PATH : 0)) == 0) return NULL;
  if (errno != ENOSYS) return throw_errno(env, errno, "fchmodat2", name);
  /* kernels before 6.6: chmod the object an O_PATH fd holds, through its /proc link */
  int fd = name[0] == 0 ? fcntl(dirfd, F_DUPFD_CLOEXEC, 0) : open_beneath(dirfd, name, O_PATH | O_NOFOLLOW);
  if (fd < 0) return throw_errno(env, errno, "fchmodat", name);
  struct stat sb;
  if (fstat(fd, &sb) != 0 || S_ISLNK(sb.st_mode)) {
    int e = S_ISLNK(sb.st_mode) ? EOPNOTSUPP : errno;
    close(fd);
    return throw_errno(env, e, "fchmodat", name);
  }
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  int rc = chmod(proc, (mode_t)mode), e = errno;
  close(fd);
  if (rc != 0) return throw_errno(env, e, "fchmodat", name);
  return NULL;
}

static napi_value js_utimensat(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  size_t argc = 6;
  char name[NAME_CAP];
  int32_t dirfd;
  double at, mt;
  if (!get_args(env, info, 4, argv) || !get_i32(env, argv[0], &dirfd) || !get_name(env, argv[1], name, 1)) return NULL;
  if (napi_get_value_double(env, argv[2], &at) != napi_ok || napi_get_value_double(env, argv[3], &mt) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "berth_fs: utimensat: times are numbers (seconds)");
    return NULL;
  }
  struct timespec ts[2];
  to_timespecs(at, mt, ts);
  /* Exact times: whole seconds in atime/mtime, and their nanoseconds as two more arguments (a
     double of seconds since 1970 holds only about a quarter of a microsecond). */
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 6) {
    int64_t ans, mns;
    if (napi_get_value_int64(env, argv[4], &ans) != napi_ok || napi_get_value_int64(env, argv[5], &mns) != napi_ok || ans < 0 || ans > 999999999 || mns < 0 ||
        mns > 999999999 || at != (double)(time_t)at || mt != (double)(time_t)mt) {
      napi_throw_type_error(env, "EINVAL", "berth_fs: utimensat: exact times are whole seconds and nanoseconds (0-999999999)");
      return NULL;
    }
    ts[0].tv_sec = (time_t)at;
    ts[0].tv_nsec = (long)ans;
    ts[1].tv_sec = (time_t)mt;
    ts[1].tv_nsec = (long)mns;
  }
  if (utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW | (name[0] == 0 ? AT_EMPTY_PATH : 0)) != 0) return throw_errno(env, errno, "utimensat", name);
  return NULL;
}

static napi_value js_readlinkat(napi_env env, napi_callback_info info) {
  napi_value argv[2], r;
  char name[NAME_CAP], target[PATH_MAX + 1];
  int32_t dirfd;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &dirfd) || !get_name(env, argv[1], name, 1)) return NULL;
  ssize_t n = readlinkat(dirfd, name, target, PATH_MAX);
  if (n < 0) return throw_errno(env, errno, "readlinkat", name);
  void *copy;
  napi_create_buffer_copy(env, (size_t)n, target, &copy, &r);
  return r;
}

/*
 * createFile(dirFd, name, data, uid, gid, mode, atime, mtime) -> true, or false when something
 * already exists at name (nothing done then). A whole small file in one call: openat(dirFd, name,
 * O_CREAT|O_EXCL|O_NOFOLLOW, mode & 0777), write data, then owner and mode only where the new
 * file does not have them already (fstat: the created file is usually root-owned with the right
 * mode bits), chown before chmod (chown clears setuid/setgid), times, close. On an error after
 * the create the file is removed (unlinkat on the same parent fd) and the error thrown.
 */
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
struct berth_xattr_args {
  uint64_t value;
  uint32_t size;
  uint32_t flags;
};

/*
 * setxattrAt(dirFd, name, key, value): sets an extended attribute on `name` in dirFd (''
 * dirFd itself), never following a symlink. setxattrat(2) (Linux 6.13) where there is one;
 * else the object is opened O_PATH|O_NOFOLLOW and set through /proc/self/fd/N (the kernel
 * resolves it to the object itself), and a symlink is EOPNOTSUPP (as on most file systems).
 */
static napi_value js_setxattr_at(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  char name[NAME_CAP], key[256];
  int32_t dirfd;
  void *data = NULL;
  size_t len = 0, klen = 0;
  bool isbuf = false;
  if (!get_args(env, info, 4, argv) || !get_i32(env, argv[0], &dirfd) || !get_name(env, argv[1], name, 1)) return NULL;
  if (napi_get_value_string_utf8(env, argv[2], key, sizeof key, &klen) != napi_ok || klen == 0 || klen >= sizeof key - 1) {
    napi_throw_type_error(env, "EINVAL", "berth_fs: setxattrAt: key is a name of 1..255 bytes");
    return NULL;
  }
  if (napi_is_buffer(env, argv[3], &isbuf) != napi_ok || !isbuf || napi_get_buffer_info(env, argv[3], &data, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "berth_fs: setxattrAt: value is a Buffer");
    return NULL;
  }
  struct berth_xattr_args a = {(uint64_t)(uintptr_t)data, (uint32_t)len, 0};
  long rc = syscall(SYS_setxattrat, dirfd, name, AT_SYMLINK_NOFOLLOW | (name[0] == 0 ? AT_EMPTY_PATH : 0), key, &a, sizeof a);
  if (rc == 0) return NULL;
  if (errno != ENOSYS) return throw_errno(env, errno, "setxattrat", name[0] ? name : key);
  int fd = name[0] == 0 ? dirfd : openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "openat", name);
  struct stat sb;
  int err = 0;
  if (fstat(fd, &sb) != 0) err = errno;
  else if (S_ISLNK(sb.st_mode)) err = EOPNOTSUPP;
  else {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (setxattr(proc, key, data, len, 0) != 0) err = errno;
  }
  if (fd != dirfd) close(fd);
  if (err != 0) return throw_errno(env, err, "setxattr", name[0] ? name : key);
  return NULL;
}

/*
 * One whole small file: openat(dirfd, name, O_CREAT|O_EXCL|O_NOFOLLOW, mode & 0777), data
 * written, owner then mode set only where the new file differs (chown clears setuid/setgid),
 * times set, closed. 0 created; 1 something exists at name (nothing done); -1 failed (errno and
 * *what set; the file is removed). Runs on the main thread (createFile) or on a worker
 * (createFiles): it touches no JavaScript value.
 */
static int create_one(int dirfd, const char *name, const char *data, size_t len, uint32_t uid, uint32_t gid, uint32_t mode, double at, double mt,
                      const char **what) {
  int fd;
  *what = "openat";
  do fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)(mode & 0777));
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno == EEXIST ? 1 : -1;
  *what = "write";
  size_t off = 0;
  while (off < len) {
    ssize_t n = write(fd, data + off, len - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      goto fail;
    }
    off += (size_t)n;
  }
  struct stat sb;
  *what = "fstat";
  if (fstat(fd, &sb) != 0) goto fail;
  int chowned = 0;
  if (sb.st_uid != uid || sb.st_gid != gid) {
    *what = "fchown";
    if (fchown(fd, uid, gid) != 0) goto fail;
    chowned = 1;
  }
  if ((sb.st_mode & 07777) != (mode & 07777) || (chowned && (mode & 06000))) {
    *what = "fchmod";
    if (fchmod(fd, (mode_t)(mode & 07777)) != 0) goto fail;
  }
  struct timespec ts[2];
  to_timespecs(at, mt, ts);
  *what = "futimens";
  if (futimens(fd, ts) != 0) goto fail;
  *what = "close";
  if (close(fd) != 0 && errno != EINTR) {
    fd = -1;
    goto fail;
  }
  return 0;
fail:;
  int e = errno;
  if (fd >= 0) close(fd);
  unlinkat(dirfd, name, 0);
  errno = e;
  return -1;
}

static napi_value js_create_file(napi_env env, napi_callback_info info) {
  napi_value argv[8], r;
  char name[NAME_CAP];
  int32_t dirfd;
  uint32_t uid, gid, mode;
  double at, mt;
  void *data = NULL;
  size_t len = 0;
  bool isbuf = false;
  if (!get_args(env, info, 8, argv) || !get_i32(env, argv[0], &dirfd) || !get_name(env, argv[1], name, 0)) return NULL;
  if (napi_is_buffer(env, argv[2], &isbuf) != napi_ok || !isbuf || napi_get_buffer_info(env, argv[2], &data, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "berth_fs: createFile: data is a Buffer");
    return NULL;
  }
  if (!get_u32(env, argv[3], &uid) || !get_u32(env, argv[4], &gid) || !get_u32(env, argv[5], &mode)) return NULL;
  if (napi_get_value_double(env, argv[6], &at) != napi_ok || napi_get_value_double(env, argv[7], &mt) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "berth_fs: createFile: times are numbers (seconds)");
    return NULL;
  }
  const char *what = "openat";
  int rc = create_one(dirfd, name, (const char *)data, len, uid, gid, mode, at, mt, &what);
  if (rc < 0) return throw_errno(env, errno, what, name);
  napi_get_boolean(env, rc == 0, &r);
  return r;
}

/*
 * A batch of small files for createFiles: `meta` holds BATCH_FIELDS numbers per file (dirFd,
 * offset and length of its name in `arena`, offset and length of its data there, uid, gid,
 * mode, atime, mtime); names are single components (checked here). Done in order from `from`
 * until the first name that exists (`stop`: the caller applies its replace rules, then goes on
 * from stop + 1) or the first error (`err`, `what`, `name`; the failing file removed, the ones
 * after it not done).
 */
#define BATCH_FIELDS 10
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref meta_ref, arena_ref;
  const double *meta;
  const char *arena;
  size_t arena_len;
  uint32_t count, from, stop;
  int err;
  const char *what;
  char name[NAME_CAP];
} batch_t;

static void run_batch(batch_t *b) {
  b->err = 0;
  for (uint32_t i = b->from; i < b->count; i++) {
    const double *m = b->meta + (size_t)i * BATCH_FIELDS;
    double noff = m[1], nlen = m[2], doff = m[3], dlen = m[4];
    b->stop = i;
    if (!(noff >= 0 && nlen >= 1 && nlen < NAME_CAP && doff >= 0 && dlen >= 0 && noff + nlen <= (double)b->arena_len && doff + dlen <= (double)b->arena_len)) {
      b->err = EINVAL;
      b->what = "berth_fs: createFiles: bad batch entry";
      b->name[0] = 0;
      return;
    }
    memcpy(b->name, b->arena + (size_t)noff, (size_t)nlen);
    b->name[(size_t)nlen] = 0;
    if (memchr(b->name, 0, (size_t)nlen) != NULL || strchr(b->name, '/') != NULL || strcmp(b->name, ".") == 0 || strcmp(b->name, "..") == 0) {
      b->err = EINVAL;
      b->what = "berth_fs: not a single name";
      return;
    }
    int rc = create_one((int)m[0], b->name, b->arena + (size_t)doff, (size_t)dlen, (uint32_t)m[5], (uint32_t)m[6], (uint32_t)m[7], m[8], m[9], &b->what);
    if (rc == 1) return;
    if (rc < 0) {
      b->err = errno;
      return;
    }
  }
  b->stop = b->count;
}

static void batch_execute(napi_env env, void *data) {
  run_batch((batch_t *)data);
}

static void batch_complete(napi_env env, napi_status status, void *data) {
  batch_t *b = (batch_t *)data;
  napi_value v;
  if (b->err != 0) {
    napi_reject_deferred(env, b->deferred, berth_errno_error(env, b->err, b->what, b->name, 1));
  } else {
    napi_create_uint32(env, b->stop, &v);
    napi_resolve_deferred(env, b->deferred, v);
  }
  napi_delete_reference(env, b->meta_ref);
  napi_delete_reference(env, b->arena_ref);
  napi_delete_async_work(env, b->work);
  free(b);
}

/* createFiles(meta, arena, count, from, async): reads the arguments into a batch_t (NULL: thrown). */
static batch_t *get_batch(napi_env env, napi_callback_info info, bool *async) {
  napi_value argv[5];
  napi_typedarray_type type;
  size_t mlen = 0;
  void *mdata = NULL, *adata = NULL;
  size_t alen = 0;
  bool isbuf = false;
  uint32_t count, from;
  if (!get_args(env, info, 5, argv)) return NULL;
  if (napi_get_typedarray_info(env, argv[0], &type, &mlen, &mdata, NULL, NULL) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, "EINVAL", "berth_fs: createFiles: meta is a Float64Array");
    return NULL;
  }
  if (napi_is_buffer(env, argv[1], &isbuf) != napi_ok || !isbuf || napi_get_buffer_info(env, argv[1], &adata, &alen) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "berth_fs: createFiles: arena is a Buffer");
    return NULL;
  }
  if (!get_u32(env, argv[2], &count) || !get_u32(env, argv[3], &from) || napi_get_value_bool(env, argv[4], async) != napi_ok) return NULL;
  if ((size_t)count * BATCH_FIELDS > mlen || from > count) {
    napi_throw_range_error(env, "EINVAL", "berth_fs: createFiles: count beyond meta");
    return NULL;
  }
  batch_t *b = calloc(1, sizeof *b);
  if (b == NULL) {
    throw_errno(env, ENOMEM, "berth_fs", NULL);
    return NULL;
  }
  b->meta = (const double *)mdata;
  b->arena = (const char *)adata;
  b->arena_len = alen;
  b->count = count;
  b->from = from;
  b->stop = from;
  if (*async && (napi_create_reference(env, argv[0], 1, &b->meta_ref) != napi_ok || napi_create_reference(env, argv[1], 1, &b->arena_ref) != napi_ok)) {
    free(b);
    napi_throw_error(env, "EINVAL", "berth_fs: createFiles: cannot hold the batch");
    return NULL;
  }
  return b;
}

/*
 * createFiles(meta, arena, count, from, async) -> stop (async: a Promise of it): the batch's
 * files created in order (see batch_t); `stop` is the index of the first one not created
 * because its name exists (count: all created). async: done on a libuv worker thread while the
 * caller parses on (the caller keeps meta and arena, and the directory fds, untouched until
 * it settles). Errors are Node-style errno errors, `path` the failing name.
 */
static napi_value js_create_files(napi_env env, napi_callback_info info) {
  bool async = false;
  batch_t *b = get_batch(env, info, &async);
  if (b == NULL) return NULL;
  napi_value r;
  if (!async) {
    run_batch(b);
    int err = b->err;
    if (err != 0) {
      napi_value e = berth_errno_error(env, err, b->what, b->name, 1);
      free(b);
      napi_throw(env, e);
      return NULL;
    }
    napi_create_uint32(env, b->stop, &r);
    free(b);
    return r;
  }
  napi_value res;
  napi_create_string_utf8(env, "berth_fs.createFiles", NAPI_AUTO_LENGTH, &res);
  if (napi_create_promise(env, &b->deferred, &r) != napi_ok || napi_create_async_work(env, NULL, res, batch_execute, batch_complete, b, &b->work) != napi_ok ||
      napi_queue_async_work(env, b->work) != napi_ok) {
    napi_delete_reference(env, b->meta_ref);
    napi_delete_reference(env, b->arena_ref);
    free(b);
    napi_throw_error(env, "EINVAL", "berth_fs: createFiles: cannot queue the batch");
    return NULL;
  }
  return r;
}

/*
 * readSmallFile(dirFd, name, max) -> [mode, uid, gid, size, mtimeSec, data, mtimeNsec, atimeSec,
 * atimeNsec] (the times from before the read), or null when name
 * is not a regular file of at most `max` bytes with one link and no xattrs (the caller then
 * takes its general path). The file is opened O_RDONLY|O_NOFOLLOW in dirFd and its metadata
 * taken from that fd (fstat), so what is read is what is described; data is exactly `size`
 * bytes (zero-padded if the file shrank meanwhile). For packing many small files (docker cp
 * out) with one call each.
 */
static napi_value js_read_small_file(napi_env env, napi_callback_info info) {
  napi_value argv[3], r, nul;
  char name[NAME_CAP];
  int32_t dirfd;
  uint32_t max;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &dirfd) || !get_name(env, argv[1], name, 0) || !get_u32(env, argv[2], &max)) return NULL;
  napi_get_null(env, &nul);
  struct stat sb;
  if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode) || sb.st_nlink != 1 || sb.st_size > (off_t)max) return nul;
  int fd;
  do fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return nul;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_nlink != 1 || sb.st_size > (off_t)max) {
    close(fd);
    return nul;
  }
  ssize_t xl = flistxattr(fd, NULL, 0);
  if (xl != 0 && !(xl < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP))) {
    close(fd);
    return nul;
  }
  size_t size = (size_t)sb.st_size, off = 0;
  void *data = NULL;
  napi_value buf;
  if (napi_create_buffer(env, size, &data, &buf) != napi_ok) {
    close(fd);
    return NULL;
  }
  while (off < size) {
    ssize_t n = read(fd, (char *)data + off, size - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return throw_errno(env, e, "read", name);
    }
    if (n == 0) break;
    off += (size_t)n;
  }
  if (off < size) memset((char *)data + off, 0, size - off);
  close(fd);
  napi_create_array_with_length(env, 9, &r);
  double vals[5] = {sb.st_mode, sb.st_uid, sb.st_gid, (double)size, (double)sb.st_mtim.tv_sec};
  for (uint32_t i = 0; i < 5; i++) napi_set_element(env, r, i, num(env, vals[i]));
  napi_set_element(env, r, 5, buf);
  /* the exact times, as fstat gave them before the read */
  double times[3] = {(double)sb.st_mtim.tv_nsec, (double)sb.st_atim.tv_sec, (double)sb.st_atim.tv_nsec};
  for (uint32_t i = 0; i < 3; i++) napi_set_element(env, r, 6 + i, num(env, times[i]));
  return r;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"resolve", NULL, js_resolve, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openRoot", NULL, js_open_root, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openat", NULL, js_openat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lstatat", NULL, js_lstatat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mkdirat", NULL, js_mkdirat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"symlinkat", NULL, js_symlinkat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mknodat", NULL, js_mknodat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"linkat", NULL, js_linkat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"renameat", NULL, js_renameat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unlinkat", NULL, js_unlinkat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"removeAllAt", NULL, js_remove_all_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fchownat", NULL, js_fchownat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fchmodat", NULL, js_fchmodat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"utimensat", NULL, js_utimensat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readlinkat", NULL, js_readlinkat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"createFile", NULL, js_create_file, NULL, NULL, NULL, napi_enumerable, NULL},
      {"createFiles", NULL, js_create_files, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setxattrAt", NULL, js_setxattr_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readSmallFile", NULL, js_read_small_file, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
