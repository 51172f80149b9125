/* Feasibility probe for bench/doorbell_bench.ts: a C thread hands items to the JS thread.
 * Built by the bench into a temp .so (gcc -O2 -shared -fPIC -pthread). Not part of the server. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int efd_js = -1;  /* producer -> JS waiter */
static int efd_ack = -1; /* JS -> producer */
static pthread_t thr;
static atomic_int queued;
static atomic_int stop_flag;
static int batch = 1;
static int mode; /* 0: eventfd for a nonblocking wait(); 1: thread-safe callback; 2: Unix socket byte */
static int bell_listen = -1, bell = -1;
static void (*cb)(void);

static void *producer(void *arg) {
  (void)arg;
  uint64_t v;
  for (;;) {
    if (atomic_load(&stop_flag)) break;
    atomic_fetch_add(&queued, batch);
    if (mode == 0) {
      v = 1;
      (void)!write(efd_js, &v, 8);
    } else if (mode == 2) {
      char b = 1;
      (void)!send(bell, &b, 1, MSG_NOSIGNAL);
    } else {
      cb();
    }
    if (read(efd_ack, &v, 8) != 8) break; /* wait until JS drained */
  }
  return 0;
}

int db_start(int m, int b, void (*callback)(void)) {
  mode = m;
  batch = b;
  cb = callback;
  atomic_store(&stop_flag, 0);
  atomic_store(&queued, 0);
  efd_js = eventfd(0, EFD_CLOEXEC);
  efd_ack = eventfd(0, EFD_CLOEXEC);
  return pthread_create(&thr, 0, producer, 0);
}

/* Nonblocking FFI: blocks on Deno's thread pool until the producer posted. */
int db_wait(void) {
  uint64_t v;
  if (read(efd_js, &v, 8) != 8) return -1;
  return 0;
}

/* Synchronous: take every queued item, let the producer post again. */
int db_take(void) {
  int n = atomic_exchange(&queued, 0);
  uint64_t v = 1;
  (void)!write(efd_ack, &v, 8);
  return n;
}

void db_stop(void) {
  uint64_t v = 1;
  atomic_store(&stop_flag, 1);
  (void)!write(efd_ack, &v, 8);
  if (mode == 0) (void)!write(efd_js, &v, 8);
  pthread_join(thr, 0);
  close(efd_js);
  close(efd_ack);
}

/* CPU time of the calling thread in ns. */
int64_t db_thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Ask the producer to stop after its current hand-off (callable from inside the callback). */
void db_request_stop(void) { atomic_store(&stop_flag, 1); }

/* Mode 2: listen on a Unix socket path for JS to connect to (then db_bell_accept). */
int db_bell_listen(const char *path) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, path, sizeof a.sun_path - 1);
  bell_listen = socket(AF_UNIX, SOCK_STREAM, 0);
  if (bind(bell_listen, (struct sockaddr *)&a, sizeof a) != 0 || listen(bell_listen, 1) != 0) return -1;
  return 0;
}

int db_bell_accept(void) {
  bell = accept(bell_listen, 0, 0);
  close(bell_listen);
  return bell < 0 ? -1 : 0;
}

void db_bell_close(void) { close(bell); }
