/*
 * berth_layer: the few Linux file-system calls Node does not expose, for layer tar I/O.
 *
 * Paths are strings or Buffers (raw bytes, for names that are not UTF-8).
 *
 *   mknod(path, mode, major, minor)   mode carries the file type (S_IFCHR, S_IFBLK, S_IFIFO) and permissions
 *   lsetxattr(path, name, value)      value is a Buffer; never follows a symlink
 *   lgetxattr(path, name)             -> Buffer, or null when the attribute is absent or unsupported
 *   llistxattr(path)                  -> string[] ([] when the file system has no xattrs)
 *
 * Every call is synchronous (each is one cheap syscall). Errors are thrown as Node-style
 * errors: message "CODE: description, syscall 'path'", with code, errno, syscall and path set.
 * Written against the plain C N-API (node_api.h), so building needs only Node's headers.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include "berth_napi.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>

#define XATTR_NAME_MAX_LEN 256
#define XATTR_VALUE_MAX_LEN 65536
#define XATTR_LIST_BUF 4096

#define throw_errno(env, err, syscall, path) berth_throw_errno(env, err, syscall, path, 0)
#define get_args(env, info, want, argv) berth_get_args(env, info, want, argv, "berth_layer")

/* Copies a JS string into buf (size cap); throws and returns 0 on a non-string or an over-long value. */
static int get_string(napi_env env, napi_value v, char *buf, size_t cap, const char *what) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, cap, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", what);
    return 0;
  }
  if (len >= cap - 1) {
    throw_errno(env, ENAMETOOLONG, "berth_layer", what);
    return 0;
  }
  return 1;
}

/* A path: a JS string (UTF-8) or a Buffer of raw bytes (names that are not UTF-8). */
static int get_path(napi_env env, napi_value v, char *buf, size_t cap) {
  bool is_buffer = false;
  if (napi_is_buffer(env, v, &is_buffer) == napi_ok && is_buffer) {
    void *data = NULL;
    size_t len = 0;
    napi_get_buffer_info(env, v, &data, &len);
    if (len >= cap) {
      throw_errno(env, ENAMETOOLONG, "berth_layer", "path");
      return 0;
    }
    if (memchr(data, 0, len) != NULL) {
      throw_errno(env, EINVAL, "berth_layer", "path with a NUL byte");
      return 0;
    }
    memcpy(buf, data, len);
    buf[len] = 0;
    return 1;
  }
  return get_string(env, v, buf, cap, "path");
}

static int get_u32(napi_env env, napi_value v, uint32_t *out) {
  if (napi_get_value_uint32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "berth_layer: expected an unsigned integer");
    return 0;
  }
  return 1;
}

static napi_value js_mknod(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  char path[PATH_MAX + 1];
  uint32_t mode, major, minor;
  if (!get_args(env, info, 4, argv)) return NULL;
  if (!get_path(env, argv[0], path, sizeof path)) return NULL;
  if (!get_u32(env, argv[1], &mode) || !get_u32(env, argv[2], &major) || !get_u32(env, argv[3], &minor)) return NULL;
  if (mknod(path, (mode_t)mode, makedev(major, minor)) != 0) return throw_errno(env, errno, "mknod", path);
  return NULL;
}

static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  char path[PATH_MAX + 1], name[XATTR_NAME_MAX_LEN + 2];
  void *data = NULL;
  size_t len = 0;
  bool is_buffer = false;
  if (!get_args(env, info, 3, argv)) return NULL;
  if (!get_path(env, argv[0], path, sizeof path)) return NULL;
  if (!get_string(env, argv[1], name, sizeof name, "xattr name")) return NULL;
  if (napi_is_buffer(env, argv[2], &is_buffer) != napi_ok || !is_buffer) {
    napi_throw_type_error(env, "EINVAL", "berth_layer: xattr value must be a Buffer");
    return NULL;
  }
  napi_get_buffer_info(env, argv[2], &data, &len);
  if (lsetxattr(path, name, data, len, 0) != 0) return throw_errno(env, errno, "lsetxattr", path);
  return NULL;
}

static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  char path[PATH_MAX + 1], name[XATTR_NAME_MAX_LEN + 2];
  if (!get_args(env, info, 2, argv)) return NULL;
  if (!get_path(env, argv[0], path, sizeof path)) return NULL;
  if (!get_string(env, argv[1], name, sizeof name, "xattr name")) return NULL;
  char *value = malloc(XATTR_VALUE_MAX_LEN); /* no static buffer: the addon may run in several threads */
  if (value == NULL) return throw_errno(env, ENOMEM, "lgetxattr", path);
  ssize_t n = lgetxattr(path, name, value, XATTR_VALUE_MAX_LEN);
  int err = errno;
  if (n < 0) {
    free(value);
    if (err == ENODATA || err == EOPNOTSUPP) {
      napi_get_null(env, &result);
      return result;
    }
    return throw_errno(env, err, "lgetxattr", path);
  }
  void *copy;
  napi_create_buffer_copy(env, (size_t)n, value, &copy, &result);
  free(value);
  return result;
}

static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  char path[PATH_MAX + 1];
  char list[XATTR_LIST_BUF]; /* most lists are tiny; the rare long one is read into the heap */
  char *buf = list;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (!get_path(env, argv[0], path, sizeof path)) return NULL;
  ssize_t n = llistxattr(path, buf, sizeof list);
  if (n < 0 && errno == ERANGE) {
    buf = malloc(XATTR_VALUE_MAX_LEN);
    if (buf == NULL) return throw_errno(env, ENOMEM, "llistxattr", path);
    n = llistxattr(path, buf, XATTR_VALUE_MAX_LEN);
  }
  int err = errno;
  napi_create_array(env, &result);
  if (n < 0) {
    if (buf != list) free(buf);
    if (err == EOPNOTSUPP) return result;
    return throw_errno(env, err, "llistxattr", path);
  }
  uint32_t i = 0;
  for (ssize_t off = 0; off < n;) {
    size_t l = strnlen(buf + off, (size_t)(n - off));
    if (l > 0) {
      napi_value s;
      napi_create_string_utf8(env, buf + off, l, &s);
      napi_set_element(env, result, i++, s);
    }
    off += (ssize_t)l + 1;
  }
  if (buf != list) free(buf);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lgetxattr", NULL, js_lgetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"llistxattr", NULL, js_llistxattr, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
