/*
 * berth_runtime: the Linux calls @berth/runtime needs that Node lacks.
 *
 * Rootfs mounts by mount(2), umount2(2) and a mount-point test, without exec'ing
 * mount(8)/umount(8) (each exec costs milliseconds on the container start and exit paths):
 *
 *   mount(source, target, fstype|null, flags, data|null, cwd|null, callback(err))
 *       one mount(2) call on a libuv pool thread. With `cwd`, the call runs on a short-lived
 *       thread of its own that unshares its fs context (CLONE_FS) and chdirs there first, so
 *       relative overlay lowerdirs resolve against `cwd` while the daemon's cwd never changes.
 *   umount(target, flags, callback(err))      umount2(2) on a pool thread
 *   isMountPoint(path) -> boolean | null      statx STATX_ATTR_MOUNT_ROOT (no symlink follow);
 *                                             null when the kernel does not say (older than 5.8)
 *   flags: MS_* / MNT_* constants exported as properties of the module.
 *
 * Bundle removal in one call (one pool thread instead of one pool job per file, which would
 * queue the next container's work behind it):
 *   removeTree(path, callback(err))   depth-first through directory fds, no symlink following,
 *                                     never entering a mount (bind mounts included: a mount left
 *                                     inside makes the removal fail with EBUSY instead of
 *                                     emptying it); removes what it can; a missing path is fine.
 *
 * seccompVersion() and seccompExportBpf(filter): libseccomp's compiler, in seccomp_bpf.c.
 *
 * Errors are Node-style: message "CODE: description, syscall 'path'", with code, errno, syscall.
 * `data` must fit in one page (the kernel copies mount options into a single page): longer
 * strings are refused with E2BIG rather than silently cut by the kernel.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include "berth_napi.h"
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define MAX_DATA 4095

#define make_error(env, err, syscall, path) berth_errno_error(env, err, syscall, path, 0)

static void throw_type(napi_env env, const char *msg) { napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg); }

/* A string argument (or null/undefined when `optional`), malloc'd; *ok = 0 after a throw. */
static char *get_string(napi_env env, napi_value v, int optional, size_t max, const char *what, int *ok) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (optional && (t == napi_null || t == napi_undefined)) return NULL;
  if (t != napi_string) {
    throw_type(env, what);
    *ok = 0;
    return NULL;
  }
  size_t len = 0;
  napi_get_value_string_utf8(env, v, NULL, 0, &len);
  if (len > max) {
    napi_throw(env, make_error(env, len > PATH_MAX ? ENAMETOOLONG : E2BIG, "mount", what));
    *ok = 0;
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    *ok = 0;
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (strlen(s) != len) { /* embedded NUL */
    free(s);
    throw_type(env, what);
    *ok = 0;
    return NULL;
  }
  return s;
}

struct op {
  int is_umount;
  int is_rmtree;
  char *source, *target, *fstype, *data, *cwd;
  unsigned long flags;
  int err;
  const char *failed; /* which call failed */
  napi_async_work work;
  napi_ref callback;
};

static void op_free(struct op *o) {
  free(o->source);
  free(o->target);
  free(o->fstype);
  free(o->data);
  free(o->cwd);
  free(o);
}

static void do_mount(struct op *o) {
  if (mount(o->source, o->target, o->fstype, o->flags, o->data) < 0) {
    o->err = errno;
    o->failed = "mount";
  }
}

/* Runs on a thread of its own: its cwd is private, the process's is untouched. */
static void *mount_in_cwd(void *arg) {
  struct op *o = arg;
  if (unshare(CLONE_FS) < 0) {
    o->err = errno;
    o->failed = "unshare";
    return NULL;
  }
  if (chdir(o->cwd) < 0) {
    o->err = errno;
    o->failed = "chdir";
    return NULL;
  }
  do_mount(o);
  return NULL;
}

/* Is `name` in `dirfd` the root of a mount (bind mounts of the same file system too)? */
static int is_mount_root_at(int dirfd, const char *name, dev_t parent_dev) {
  struct statx stx;
  if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &stx) < 0) return 0;
  if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  return makedev(stx.stx_dev_major, stx.stx_dev_minor) != parent_dev;
}

struct rm_state {
  int err;
  char path[PATH_MAX];
};

static void rm_fail(struct rm_state *rs, int err, const char *dir, const char *name) {
  if (rs->err) return;
  rs->err = err;
  snprintf(rs->path, sizeof rs->path, "%s/%s", dir, name);
}

/* Empties the directory open at `fd` (closed here); `where` names it in errors. */
static void rm_contents(int fd, dev_t dev, const char *where, struct rm_state *rs, int depth) {
  DIR *d = fdopendir(fd);
  if (!d) {
    rm_fail(rs, errno, where, ".");
    close(fd);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    const char *n = e->d_name;
    if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
    struct stat st;
    if (fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno != ENOENT) rm_fail(rs, errno, where, n);
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      if (is_mount_root_at(fd, n, dev)) {
        rm_fail(rs, EBUSY, where, n); /* never empty a mount */
        continue;
      }
      if (depth >= 256) {
        rm_fail(rs, ELOOP, where, n);
        continue;
      }
      int sub = openat(fd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        rm_fail(rs, errno, where, n);
        continue;
      }
      char sub_where[PATH_MAX];
      snprintf(sub_where, sizeof sub_where, "%s/%s", where, n);
      rm_contents(sub, dev, sub_where, rs, depth + 1);
      if (unlinkat(fd, n, AT_REMOVEDIR) < 0 && errno != ENOENT) rm_fail(rs, errno, where, n);
    } else if (unlinkat(fd, n, 0) < 0 && errno != ENOENT) {
      rm_fail(rs, errno, where, n);
    }
  }
  closedir(d);
}

static void remove_tree(struct op *o) {
  struct rm_state *rs = calloc(1, sizeof *rs);
  if (!rs) {
    o->err = ENOMEM;
    o->failed = "malloc";
    return;
  }
  struct stat st;
  if (lstat(o->target, &st) < 0) {
    if (errno != ENOENT) o->err = errno, o->failed = "lstat";
    free(rs);
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    if (unlink(o->target) < 0 && errno != ENOENT) o->err = errno, o->failed = "unlink";
    free(rs);
    return;
  }
  {
    /* the tree itself is a mount point: refuse */
    struct statx stx;
    if (statx(AT_FDCWD, o->target, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &stx) == 0 &&
        (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
      o->err = EBUSY;
      o->failed = "rmdir";
      free(rs);
      return;
    }
  }
  int fd = open(o->target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    o->err = errno;
    o->failed = "open";
    free(rs);
    return;
  }
  rm_contents(fd, st.st_dev, o->target, rs, 0);
  if (rs->err) {
    o->err = rs->err;
    o->failed = "unlink";
    free(o->target);
    o->target = strdup(rs->path);
  } else if (rmdir(o->target) < 0 && errno != ENOENT) {
    o->err = errno;
    o->failed = "rmdir";
  }
  free(rs);
}

static void execute(napi_env env, void *data) {
  struct op *o = data;
  if (o->is_rmtree) {
    remove_tree(o);
    return;
  }
  if (o->is_umount) {
    if (umount2(o->target, (int)o->flags) < 0) {
      o->err = errno;
      o->failed = "umount2";
    }
    return;
  }
  if (!o->cwd) {
    do_mount(o);
    return;
  }
  pthread_t th;
  int rc = pthread_create(&th, NULL, mount_in_cwd, o);
  if (rc != 0) {
    o->err = rc;
    o->failed = "pthread_create";
    return;
  }
  pthread_join(th, NULL);
}

static void complete(napi_env env, napi_status status, void *data) {
  struct op *o = data;
  napi_value cb, undef, arg;
  napi_get_reference_value(env, o->callback, &cb);
  napi_get_undefined(env, &undef);
  if (o->err) {
    const char *p = o->target;
    if (o->failed && !strcmp(o->failed, "chdir")) p = o->cwd;
    arg = make_error(env, o->err, o->failed ? o->failed : "mount", p);
  } else {
    napi_get_null(env, &arg);
  }
  napi_call_function(env, undef, cb, 1, &arg, NULL);
  napi_delete_reference(env, o->callback);
  napi_delete_async_work(env, o->work);
  op_free(o);
}

static napi_value queue(napi_env env, struct op *o, napi_value cb, const char *name) {
  napi_valuetype t;
  napi_typeof(env, cb, &t);
  if (t != napi_function) {
    op_free(o);
    throw_type(env, "callback must be a function");
    return NULL;
  }
  napi_value res;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &res);
  napi_create_reference(env, cb, 1, &o->callback);
  napi_create_async_work(env, NULL, res, execute, complete, o, &o->work);
  napi_queue_async_work(env, o->work);
  return NULL;
}

static int get_flags(napi_env env, napi_value v, unsigned long *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || d < 0 || d > 4294967295.0) {
    throw_type(env, "flags must be a non-negative number");
    return 0;
  }
  *out = (unsigned long)d;
  return 1;
}

/* mount(source, target, fstype, flags, data, cwd, cb) */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 7) {
    throw_type(env, "mount(source, target, fstype, flags, data, cwd, callback)");
    return NULL;
  }
  struct op *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  int ok = 1;
  o->source = get_string(env, argv[0], 1, PATH_MAX, "source must be a string", &ok);
  if (ok) o->target = get_string(env, argv[1], 0, PATH_MAX, "target must be a string", &ok);
  if (ok) o->fstype = get_string(env, argv[2], 1, 255, "fstype must be a string", &ok);
  if (ok) ok = get_flags(env, argv[3], &o->flags);
  if (ok) o->data = get_string(env, argv[4], 1, MAX_DATA, "mount options (data)", &ok);
  if (ok) o->cwd = get_string(env, argv[5], 1, PATH_MAX, "cwd must be a string", &ok);
  if (!ok) {
    op_free(o);
    return NULL;
  }
  return queue(env, o, argv[6], "berth_mount");
}

/* umount(target, flags, cb) */
static napi_value js_umount(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) {
    throw_type(env, "umount(target, flags, callback)");
    return NULL;
  }
  struct op *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->is_umount = 1;
  int ok = 1;
  o->target = get_string(env, argv[0], 0, PATH_MAX, "target must be a string", &ok);
  if (ok) ok = get_flags(env, argv[1], &o->flags);
  if (!ok) {
    op_free(o);
    return NULL;
  }
  return queue(env, o, argv[2], "berth_umount");
}

/* removeTree(path, cb) */
static napi_value js_remove_tree(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) {
    throw_type(env, "removeTree(path, callback)");
    return NULL;
  }
  struct op *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->is_rmtree = 1;
  int ok = 1;
  o->target = get_string(env, argv[0], 0, PATH_MAX, "path must be a string", &ok);
  if (!ok) {
    op_free(o);
    return NULL;
  }
  if (o->target[0] != '/') {
    op_free(o);
    throw_type(env, "path must be absolute");
    return NULL;
  }
  return queue(env, o, argv[1], "berth_rmtree");
}

/* isMountPoint(path) -> true | false | null (the kernel cannot tell) ; throws on errors */
static napi_value js_is_mount_point(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) {
    throw_type(env, "isMountPoint(path)");
    return NULL;
  }
  int ok = 1;
  char *p = get_string(env, argv[0], 0, PATH_MAX, "path must be a string", &ok);
  if (!ok) return NULL;
  struct statx stx;
  napi_value res;
  if (statx(AT_FDCWD, p, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &stx) < 0) {
    int err = errno;
    napi_throw(env, make_error(env, err, "statx", p));
    free(p);
    return NULL;
  }
  free(p);
  if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) {
    napi_get_null(env, &res);
    return res;
  }
  napi_get_boolean(env, (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0, &res);
  return res;
}

static void set_const(napi_env env, napi_value exports, const char *name, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  napi_set_named_property(env, exports, name, n);
}

napi_value js_seccomp_version(napi_env env, napi_callback_info info);
napi_value js_seccomp_export_bpf(napi_env env, napi_callback_info info);

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"mount", NULL, js_mount, NULL, NULL, NULL, napi_default, NULL},
      {"umount", NULL, js_umount, NULL, NULL, NULL, napi_default, NULL},
      {"isMountPoint", NULL, js_is_mount_point, NULL, NULL, NULL, napi_default, NULL},
      {"removeTree", NULL, js_remove_tree, NULL, NULL, NULL, napi_default, NULL},
      {"seccompVersion", NULL, js_seccomp_version, NULL, NULL, NULL, napi_default, NULL},
      {"seccompExportBpf", NULL, js_seccomp_export_bpf, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  set_const(env, exports, "MS_RDONLY", MS_RDONLY);
  set_const(env, exports, "MS_NOSUID", MS_NOSUID);
  set_const(env, exports, "MS_NODEV", MS_NODEV);
  set_const(env, exports, "MS_NOEXEC", MS_NOEXEC);
  set_const(env, exports, "MS_SYNCHRONOUS", MS_SYNCHRONOUS);
  set_const(env, exports, "MS_REMOUNT", MS_REMOUNT);
  set_const(env, exports, "MS_DIRSYNC", MS_DIRSYNC);
  set_const(env, exports, "MS_NOATIME", MS_NOATIME);
  set_const(env, exports, "MS_NODIRATIME", MS_NODIRATIME);
  set_const(env, exports, "MS_BIND", MS_BIND);
  set_const(env, exports, "MS_REC", MS_REC);
  set_const(env, exports, "MS_PRIVATE", MS_PRIVATE);
  set_const(env, exports, "MS_SLAVE", MS_SLAVE);
  set_const(env, exports, "MS_SHARED", MS_SHARED);
  set_const(env, exports, "MS_UNBINDABLE", MS_UNBINDABLE);
  set_const(env, exports, "MS_RELATIME", MS_RELATIME);
  set_const(env, exports, "MS_STRICTATIME", MS_STRICTATIME);
  set_const(env, exports, "MNT_DETACH", MNT_DETACH);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
