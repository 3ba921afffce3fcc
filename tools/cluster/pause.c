/* The pod sandbox's init process: holds the pod's namespaces, reaps orphans, exits on INT/TERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_exit_signal(int sig) { (void)sig; _exit(0); }

static void on_child(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {}
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) { puts("dbplace-pause"); return 0; }
  if (getpid() != 1) fprintf(stderr, "warning: pause should be the first process\n");
  struct sigaction exit_act = { .sa_handler = on_exit_signal };
  struct sigaction child_act = { .sa_handler = on_child, .sa_flags = SA_NOCLDSTOP };
  if (sigaction(SIGINT, &exit_act, NULL) < 0 || sigaction(SIGTERM, &exit_act, NULL) < 0 ||
      sigaction(SIGCHLD, &child_act, NULL) < 0) return 1;
  for (;;) pause();
}
