/*
 * Stand-in for the nginx of critest's images (registry.k8s.io/e2e-test-images/nginx:1.14-2 and
 * cri-tools' hostnet-nginx), built into a busybox image by scripts/critest.sh. It does what those
 * specs look at, as nginx does it: a master process whose /proc/PID/cmdline reads
 * "nginx: master process nginx -g daemon off;" and whose name is nginx (pidof nginx), its pid in
 * /var/run/nginx.pid, and a worker serving /usr/share/nginx/html over HTTP on the port written
 * in /etc/nginx/listen (busybox httpd). SIGTERM/SIGQUIT/SIGINT stop the worker, then the master.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char TITLE[] = "nginx: master process nginx -g daemon off;";
static pid_t worker;

static void stop(int sig) {
  if (worker > 0) kill(worker, SIGTERM);
  (void)sig;
}

int main(int argc, char **argv) {
  (void)argc;
  if (strcmp(argv[0], TITLE) != 0) {
    /* nginx sets its process title; the same bytes in /proc/self/cmdline by re-executing */
    char *const args[] = {(char *)TITLE, NULL};
    execv("/proc/self/exe", args);
    perror("nginx: exec");
    return 1;
  }
  char port[16] = "80";
  FILE *f = fopen("/etc/nginx/listen", "r");
  if (f) {
    if (!fgets(port, sizeof port, f)) strcpy(port, "80");
    port[strcspn(port, "\r\n")] = 0;
    fclose(f);
  }
  f = fopen("/var/run/nginx.pid", "w");
  if (!f) {
    perror("nginx: open() \"/var/run/nginx.pid\" failed");
    return 1;
  }
  fprintf(f, "%d\n", (int)getpid());
  fclose(f);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = stop;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGQUIT, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  worker = fork();
  if (worker < 0) {
    perror("nginx: fork");
    return 1;
  }
  if (worker == 0) {
    char *const args[] = {"httpd", "-f", "-p", port, "-h", "/usr/share/nginx/html", NULL};
    execv("/bin/busybox", args);
    perror("nginx: worker exec");
    _exit(1);
  }
  for (;;) {
    int st;
    pid_t p = waitpid(-1, &st, 0);
    if (p == worker) break;
    if (p < 0 && errno != EINTR) break;
  }
  unlink("/var/run/nginx.pid");
  return 0;
}
