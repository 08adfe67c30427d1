/*
 * berth_napi.h: the one copy of the N-API helpers shared by berth's native addons
 * (packages/{fs,image-store,runtime,network}/native). Each binding.gyp adds native/include
 * to include_dirs. Include after <node_api.h>, with _GNU_SOURCE defined (strerrorname_np).
 */
#ifndef BERTH_NAPI_H
#define BERTH_NAPI_H

#include <node_api.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* The errno's symbolic name, as Node's own errors carry it in `code` (glibc 2.32+). */
static inline const char *berth_errno_name(int err) {
  const char *name = strerrorname_np(err);
  return name ? name : "EUNKNOWN";
}

/*
 * A Node-style errno error (not thrown): message "ENAME: strerror, syscall 'path'", `code`
 * the errno name, `errno` -err, `syscall`, and `path` unless path is NULL. path_latin1: the
 * path is raw bytes (kept byte for byte as latin1) rather than UTF-8.
 */
static inline napi_value berth_errno_error(napi_env env, int err, const char *syscall, const char *path, int path_latin1) {
  char msg[PATH_MAX + 256];
  snprintf(msg, sizeof msg, "%s: %s, %s '%s'", berth_errno_name(err), strerror(err), syscall, path ? path : "");
  napi_value jmsg, jcode, jerr, jerrno, jsys;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &jmsg);
  napi_create_string_utf8(env, berth_errno_name(err), NAPI_AUTO_LENGTH, &jcode);
  napi_create_error(env, jcode, jmsg, &jerr);
  napi_create_int32(env, -err, &jerrno);
  napi_set_named_property(env, jerr, "errno", jerrno);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &jsys);
  napi_set_named_property(env, jerr, "syscall", jsys);
  if (path) {
    napi_value jpath;
    if (path_latin1)
      napi_create_string_latin1(env, path, NAPI_AUTO_LENGTH, &jpath);
    else
      napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &jpath);
    napi_set_named_property(env, jerr, "path", jpath);
  }
  return jerr;
}

/* Throws berth_errno_error(...) and returns NULL (for `return berth_throw_errno(...)`). */
static inline napi_value berth_throw_errno(napi_env env, int err, const char *syscall, const char *path, int path_latin1) {
  napi_throw(env, berth_errno_error(env, err, syscall, path, path_latin1));
  return NULL;
}

/* Fetches exactly `want` arguments; throws TypeError EINVAL "<addon>: missing arguments" and returns 0 on fewer. */
static inline int berth_get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, const char *addon) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: missing arguments", addon);
    napi_throw_type_error(env, "EINVAL", msg);
    return 0;
  }
  return 1;
}

#endif
