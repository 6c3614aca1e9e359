#include <pthread.h> /* clang -g -O1 -fsanitize=thread uaf.c; its log: heap_use_after_free.log */
#include <stdlib.h>
#include <unistd.h>
static long *p;
__attribute__((noinline)) void Buffer_read(void) { volatile long x = p[0]; (void)x; }
__attribute__((noinline)) void Buffer_resize(void) { free(p); }
static void *reader(void *a) { usleep(100000); Buffer_read(); return 0; }
int main(void) {
  p = malloc(64); p[0] = 1;
  pthread_t t; pthread_create(&t, 0, reader, 0);
  Buffer_resize();
  pthread_join(t, 0);
  return 0;
}
