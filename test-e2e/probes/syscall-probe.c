/*
 * syscall-probe: makes each syscall named on its command line, each in a child process of its
 * own, and prints "NAME ok" or "NAME <strerror>" a line. Built static by security.test.ts
 * (gcc -static) and bind-mounted into busybox containers, which have no compiler nor python.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/keyctl.h>
#include <linux/kcmp.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static long probe(const char *name) {
  if (!strcmp(name, "unshare-user")) return syscall(SYS_unshare, CLONE_NEWUSER);
  if (!strcmp(name, "clone-user")) {
    long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) _exit(0);
    if (pid > 0) waitpid((pid_t)pid, 0, 0);
    return pid < 0 ? -1 : 0;
  }
  if (!strcmp(name, "keyctl")) return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  if (!strcmp(name, "add_key")) return syscall(SYS_add_key, "user", "berth-probe", "v", 1, KEY_SPEC_PROCESS_KEYRING);
  if (!strcmp(name, "perf_event_open")) {
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_TASK_CLOCK;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    return syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
  }
  if (!strcmp(name, "kcmp")) return syscall(SYS_kcmp, getpid(), getpid(), KCMP_VM, 0, 0);
  if (!strcmp(name, "process_vm_readv")) {
    char src[4] = "abc", dst[4];
    struct iovec l = {dst, 4}, r = {src, 4};
    return syscall(SYS_process_vm_readv, getpid(), &l, 1, &r, 1, 0);
  }
  if (!strcmp(name, "getpid")) return syscall(SYS_getpid);
  errno = EINVAL;
  return -2;
}

int main(int argc, char **argv) {
  int refused = 0;
  /* each probe in a child of its own: one (a new user namespace) must not change the next */
  for (int i = 1; i < argc; i++) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      errno = 0;
      long r = probe(argv[i]);
      if (r == -2) { printf("%s unknown\n", argv[i]); _exit(2); }
      printf("%s %s\n", argv[i], r < 0 ? strerror(errno) : "ok");
      fflush(stdout);
      _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) refused = 2;
  }
  return refused;
}
