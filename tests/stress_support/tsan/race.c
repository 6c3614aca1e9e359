#include <pthread.h> /* clang -g -O1 -fsanitize=thread race.c; its log: data_race.log (test_stress_tsan.py) */
#include <stdlib.h>
#include <stdio.h>
typedef struct { long v; } C;
static C *c;
__attribute__((noinline)) void Counter_incr(C *x) { x->v++; }
static void *run(void *a) { for (int i = 0; i < 1000; i++) Counter_incr(c); return 0; }
int main(void) {
  c = calloc(1, sizeof *c);
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], 0, run, 0);
  for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
  long *p = malloc(8); pthread_t u;
  free(p);
  printf("%ld\n", c->v);
  return 0;
}
