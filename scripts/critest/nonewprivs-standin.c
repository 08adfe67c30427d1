/*
 * The program of registry.k8s.io/e2e-test-images/nonewprivs:1.3 (kubernetes' test/images/nonewprivs:
 * it prints its effective uid), installed set-uid root by scripts/critest.sh, so that with
 * no_new_privs the set-uid bit is ignored (Effective uid: <the user's>) and without it honoured
 * (Effective uid: 0).
 */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  printf("Effective uid: %d\n", (int)geteuid());
  return 0;
}
