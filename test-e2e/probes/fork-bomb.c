/*
 * A fork bomb that cannot die out, for --pids-limit: every process (the first and each child)
 * forks in a loop and keeps what it got; a refused fork (EAGAIN at the pids limit) is retried
 * after a millisecond. The number of processes climbs to the limit and stays there, and every
 * refused fork is counted in the cgroup's pids.events. All of them stop after SECONDS (argv[1],
 * default 60). A shell bomb (`b() { b | b & }; b`) is a poor stand-in: each of its processes
 * exits right after forking, so when every fork of a moment is refused the whole bomb can die.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  time_t end = time(NULL) + (argc > 1 ? atoi(argv[1]) : 60);
  while (time(NULL) < end) {
    pid_t pid = fork();
    if (pid < 0) {
      struct timespec ms = {0, 1000000};
      nanosleep(&ms, NULL);
    }
    /* pid == 0: the child goes on forking too; pid > 0: the parent keeps its child and goes on */
  }
  return 0;
}
