/*
 * seccompExportBpf: a seccomp filter compiled to BPF by the host's libseccomp, once, in the
 * daemon, so that the OCI runtime need not compile it at every container start (crun takes the
 * result as the `run.oci.seccomp_bpf_data` annotation).
 *
 *   seccompVersion() -> "2.5.4" | null        null: libseccomp.so.2 cannot be loaded
 *   seccompExportBpf({ defaultAction, architectures, rules }) -> { bpf: Buffer, unknown: [names] }
 *       defaultAction: the SCMP_ACT_* value (a number); architectures: libseccomp arch names
 *       ("x86_64", "x86", "x32"); rules: [{ action, names: [syscall names], args: [{ arg, op,
 *       a, b }] }]. The calls are the runtime's own, in its order: seccomp_init(defaultAction),
 *       seccomp_arch_add per architecture (EEXIST is fine), then per rule and name
 *       seccomp_syscall_resolve_name (unknown names are skipped and listed in `unknown`) and
 *       seccomp_rule_add_array; seccomp_export_bpf into a memfd. Throws on any libseccomp
 *       error (the caller then lets the runtime compile, and report, as usual).
 *       `optimize` (optional): seccomp_attr_set(SCMP_FLTATR_CTL_OPTIMIZE, n) right after
 *       seccomp_init; 2 lays the syscalls out as a binary tree (libseccomp >= 2.5), the same
 *       decisions in fewer instructions per syscall and a cheaper load into the kernel.
 *
 * libseccomp is loaded with dlopen (only its runtime library is on the host, no headers): the
 * prototypes below are libseccomp's stable ABI (seccomp.h, 2.x).
 */
#define _GNU_SOURCE
#include <node_api.h>
#include "berth_napi.h"
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct scmp_arg_cmp {
  unsigned int arg;
  int op; /* enum scmp_compare */
  uint64_t datum_a;
  uint64_t datum_b;
};
struct scmp_version {
  unsigned int major, minor, micro;
};

static struct {
  int tried;
  void *h;
  void *(*init)(uint32_t);
  void (*release)(void *);
  uint32_t (*arch_resolve_name)(const char *);
  int (*arch_add)(void *, uint32_t);
  int (*syscall_resolve_name)(const char *);
  int (*rule_add_array)(void *, uint32_t, int, unsigned int, const struct scmp_arg_cmp *);
  int (*export_bpf)(void *, int);
  int (*attr_set)(void *, int, uint32_t);
  const struct scmp_version *(*version)(void);
} lib;

static int load_lib(void) {
  if (lib.tried) return lib.h != NULL;
  lib.tried = 1;
  void *h = dlopen("libseccomp.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!h) return 0;
  lib.init = (void *(*)(uint32_t))dlsym(h, "seccomp_init");
  lib.release = (void (*)(void *))dlsym(h, "seccomp_release");
  lib.arch_resolve_name = (uint32_t(*)(const char *))dlsym(h, "seccomp_arch_resolve_name");
  lib.arch_add = (int (*)(void *, uint32_t))dlsym(h, "seccomp_arch_add");
  lib.syscall_resolve_name = (int (*)(const char *))dlsym(h, "seccomp_syscall_resolve_name");
  lib.rule_add_array = (int (*)(void *, uint32_t, int, unsigned int, const struct scmp_arg_cmp *))dlsym(h, "seccomp_rule_add_array");
  lib.export_bpf = (int (*)(void *, int))dlsym(h, "seccomp_export_bpf");
  lib.version = (const struct scmp_version *(*)(void))dlsym(h, "seccomp_version");
  lib.attr_set = (int (*)(void *, int, uint32_t))dlsym(h, "seccomp_attr_set");
  if (!lib.init || !lib.release || !lib.arch_resolve_name || !lib.arch_add || !lib.syscall_resolve_name || !lib.rule_add_array ||
      !lib.export_bpf || !lib.version) {
    dlclose(h);
    return 0;
  }
  lib.h = h;
  return 1;
}

napi_value js_seccomp_version(napi_env env, napi_callback_info info) {
  napi_value res;
  if (!load_lib()) {
    napi_get_null(env, &res);
    return res;
  }
  const struct scmp_version *v = lib.version();
  char buf[64];
  snprintf(buf, sizeof buf, "%u.%u.%u", v->major, v->minor, v->micro);
  napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &res);
  return res;
}

static int get_prop(napi_env env, napi_value obj, const char *name, napi_value *out) {
  bool has = false;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has) return 0;
  return napi_get_named_property(env, obj, name, out) == napi_ok;
}

static int get_u32_prop(napi_env env, napi_value obj, const char *name, uint32_t *out) {
  napi_value v;
  double d;
  if (!get_prop(env, obj, name, &v) || napi_get_value_double(env, v, &d) != napi_ok) return 0;
  if (d < 0 || d > 4294967295.0) return 0;
  *out = (uint32_t)d;
  return 1;
}

static int get_u64_prop(napi_env env, napi_value obj, const char *name, uint64_t *out) {
  napi_value v;
  double d;
  if (!get_prop(env, obj, name, &v) || napi_get_value_double(env, v, &d) != napi_ok) return 0;
  if (d < 0 || d > 9007199254740991.0) return 0;
  *out = (uint64_t)d;
  return 1;
}

static int array_len(napi_env env, napi_value obj, const char *name, napi_value *arr, uint32_t *len) {
  bool is = false;
  if (!get_prop(env, obj, name, arr) || napi_is_array(env, *arr, &is) != napi_ok || !is) return 0;
  return napi_get_array_length(env, *arr, len) == napi_ok;
}

static void *fail(napi_env env, void *ctx, int err, const char *what) {
  char msg[256];
  if (ctx) lib.release(ctx);
  snprintf(msg, sizeof msg, "libseccomp: %s: %s", what, strerror(err));
  napi_throw_error(env, "EINVAL", msg);
  return NULL;
}

napi_value js_seccomp_export_bpf(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) {
    napi_throw_type_error(env, "EINVAL", "seccompExportBpf(filter)");
    return NULL;
  }
  if (!load_lib()) {
    napi_throw_error(env, "ENOENT", "libseccomp: libseccomp.so.2 cannot be loaded");
    return NULL;
  }
  napi_value f = argv[0], arches, rules, unknown;
  uint32_t def, n_arches, n_rules, n_unknown = 0;
  if (!get_u32_prop(env, f, "defaultAction", &def) || !array_len(env, f, "architectures", &arches, &n_arches) ||
      !array_len(env, f, "rules", &rules, &n_rules)) {
    napi_throw_type_error(env, "EINVAL", "seccompExportBpf: defaultAction, architectures and rules are required");
    return NULL;
  }
  napi_create_array(env, &unknown);
  void *ctx = lib.init(def);
  if (!ctx) return fail(env, NULL, EINVAL, "seccomp_init");
  uint32_t optimize;
  if (get_u32_prop(env, f, "optimize", &optimize)) {
    int r = lib.attr_set ? lib.attr_set(ctx, 8 /* SCMP_FLTATR_CTL_OPTIMIZE */, optimize) : -EOPNOTSUPP;
    if (r < 0) return fail(env, ctx, -r, "seccomp_attr_set(SCMP_FLTATR_CTL_OPTIMIZE)");
  }
  char name[128];
  size_t len;
  for (uint32_t i = 0; i < n_arches; i++) {
    napi_value a;
    napi_get_element(env, arches, i, &a);
    if (napi_get_value_string_utf8(env, a, name, sizeof name, &len) != napi_ok) return fail(env, ctx, EINVAL, "architecture name");
    uint32_t token = lib.arch_resolve_name(name);
    if (token == 0) return fail(env, ctx, EINVAL, "unknown architecture");
    int r = lib.arch_add(ctx, token);
    if (r < 0 && r != -EEXIST) return fail(env, ctx, -r, "seccomp_arch_add");
  }
  for (uint32_t i = 0; i < n_rules; i++) {
    napi_value rule, names, args;
    uint32_t action, n_names, n_args;
    napi_get_element(env, rules, i, &rule);
    if (!get_u32_prop(env, rule, "action", &action) || !array_len(env, rule, "names", &names, &n_names) ||
        !array_len(env, rule, "args", &args, &n_args) || n_args > 6)
      return fail(env, ctx, EINVAL, "rule");
    struct scmp_arg_cmp cmp[6];
    memset(cmp, 0, sizeof cmp);
    for (uint32_t k = 0; k < n_args; k++) {
      napi_value a;
      uint32_t arg, op;
      napi_get_element(env, args, k, &a);
      if (!get_u32_prop(env, a, "arg", &arg) || !get_u32_prop(env, a, "op", &op) || !get_u64_prop(env, a, "a", &cmp[k].datum_a) ||
          !get_u64_prop(env, a, "b", &cmp[k].datum_b))
        return fail(env, ctx, EINVAL, "rule argument");
      cmp[k].arg = arg;
      cmp[k].op = (int)op;
    }
    for (uint32_t j = 0; j < n_names; j++) {
      napi_value nv;
      napi_get_element(env, names, j, &nv);
      if (napi_get_value_string_utf8(env, nv, name, sizeof name, &len) != napi_ok) return fail(env, ctx, EINVAL, "syscall name");
      int nr = lib.syscall_resolve_name(name);
      if (nr == -1 /* __NR_SCMP_ERROR */) {
        napi_set_element(env, unknown, n_unknown++, nv);
        continue;
      }
      int r = lib.rule_add_array(ctx, action, nr, n_args, n_args ? cmp : NULL);
      if (r < 0) return fail(env, ctx, -r, "seccomp_rule_add_array");
    }
  }
  int fd = memfd_create("berth-seccomp-bpf", MFD_CLOEXEC);
  if (fd < 0) return fail(env, ctx, errno, "memfd_create");
  int r = lib.export_bpf(ctx, fd);
  lib.release(ctx);
  if (r < 0) {
    close(fd);
    return fail(env, NULL, -r, "seccomp_export_bpf");
  }
  off_t size = lseek(fd, 0, SEEK_END);
  napi_value buf;
  void *data;
  if (size < 0 || napi_create_buffer(env, (size_t)size, &data, &buf) != napi_ok) {
    close(fd);
    return fail(env, NULL, EIO, "reading the exported filter");
  }
  ssize_t got = size ? pread(fd, data, (size_t)size, 0) : 0;
  close(fd);
  if (got != size) return fail(env, NULL, EIO, "reading the exported filter");
  napi_value res;
  napi_create_object(env, &res);
  napi_set_named_property(env, res, "bpf", buf);
  napi_set_named_property(env, res, "unknown", unknown);
  return res;
}
