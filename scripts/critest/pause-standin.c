/*
 * Stand-in for registry.k8s.io/pause:3.9's /pause (kubernetes' build/pause/linux/pause.c does the
 * same): holds the pod's namespaces doing nothing, reaps the zombies of a shared PID namespace,
 * exits on SIGINT/SIGTERM. A process named pause, not sleep: critest's execSync-timeout spec
 * looks for leftover `sleep` processes across the pod's shared PID namespace.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) {
  (void)sig;
  _exit(0);
}

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = quit;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = reap;
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  if (getpid() != 1) fprintf(stderr, "Warning: pause should be the first process\n");
  for (;;) pause();
  return 42;
}
