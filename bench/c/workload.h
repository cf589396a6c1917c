/* The DESIGN.md benchmark workload through the C ABI, shared by
 * bench_ffi.c and bench_spdlog.cpp (compiles as C and as C++): one
 * record of level INFO from logger "app.auth" with five typed fields and
 * the correlation id bound with lf_context_set, logged with lf_log_kv
 * from 1..N threads to a file; end-to-end records/s (lf_flush, then the
 * line count is checked) and caller latency percentiles, those of the
 * paced pass beside a plain C capture of the same record. */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include "logfort.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_LOGGER "app.auth"
#define BENCH_MESSAGE \
  "login failed {\"password\": \"hunter2\"} for alice@example.com card 4111-1111-1111-1111"
#define BENCH_CORRELATION_ID "req-7f3a9c2e-bench"
/* One call in this many is timed, so timing barely touches the rate. */
#define BENCH_SAMPLE_EVERY 8
/* A paced pass times every call, in bursts of this many calls; after
 * each burst the thread waits for the writer to catch up (lf_flush, not
 * timed) and pauses 1 ms. So every burst starts on an empty queue and the
 * latency is the caller's own cost (capture + enqueue), never a wait for
 * a full queue, however fast this machine's writer runs. Each burst is
 * followed by one of plain captures (`bench_plain_capture`), timed the
 * same way and paused after: this shared machine runs some stretches of
 * a tenth of a second half again slower than others, and interleaved,
 * both sets of figures see the same stretches. */
#define BENCH_PACE_BURST 1000

typedef struct {
  double records_per_s;
  uint64_t p50_ns, p99_ns, p999_ns;
} bench_result;

static uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long bench_env_long(const char *name, long fallback) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0') return fallback;
  char *end;
  long n = strtol(v, &end, 10);
  if (*end != '\0' || n < 1) {
    fprintf(stderr, "%s=%s: expected a positive integer\n", name, v);
    exit(2);
  }
  return n;
}

static void bench_die(const char *what) {
  fprintf(stderr, "bench: %s: %s\n", what, lf_last_error());
  exit(1);
}

/* Newlines in a file; -1 when it cannot be read. */
static long bench_count_lines(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return -1;
  static char buf[1 << 16];
  long lines = 0;
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
    for (char *p = buf; (p = (char *)memchr(p, '\n', (size_t)(buf + got - p))) != NULL; p++) lines++;
  }
  fclose(f);
  return lines;
}

static int bench_cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Nearest-rank percentiles of the samples (sorted in place). */
static void bench_percentiles(uint64_t *s, size_t n, bench_result *r) {
  if (n == 0) {
    r->p50_ns = r->p99_ns = r->p999_ns = 0;
    return;
  }
  qsort(s, n, sizeof *s, bench_cmp_u64);
  size_t k50 = (size_t)(0.50 * (double)n + 0.999999), k99 = (size_t)(0.99 * (double)n + 0.999999),
         k999 = (size_t)(0.999 * (double)n + 0.999999);
  r->p50_ns = s[(k50 ? k50 : 1) - 1];
  r->p99_ns = s[(k99 ? k99 : 1) - 1];
  r->p999_ns = s[(k999 ? k999 : 1) - 1];
}

/* p50 of an empty timed region: the clock's own share of every caller
 * figure (two reads, one of which falls inside the interval). */
static uint64_t bench_timer_floor_ns(void) {
  enum { SAMPLES = 100000 };
  uint64_t *s = (uint64_t *)malloc(SAMPLES * sizeof *s);
  if (s == NULL) exit(1);
  for (size_t i = 0; i < SAMPLES; i++) {
    uint64_t t0 = bench_now_ns();
    s[i] = bench_now_ns() - t0;
  }
  bench_result r;
  bench_percentiles(s, SAMPLES, &r);
  free(s);
  return r.p50_ns;
}

/* The work no capture of the workload record can skip, written plainly
 * in C: its eleven strings measured with strlen, checked for ASCII and
 * copied behind their lengths with memcpy, with the double, into this
 * thread's ring; then one release store publishes the entry. No writer,
 * no level, no context, no errors. */
#define BENCH_PLAIN_RING ((size_t)512 << 10)
#define BENCH_PLAIN_ENTRY_MAX ((size_t)4096)

typedef struct {
  unsigned char *ring;
  size_t pos, published;
} bench_plain_ring;

/* Read through volatile pointers, so the compiler cannot measure the
 * strings at build time: the logger, the message, then the fields' keys
 * and values (the double comes after its key). */
static const char *volatile bench_plain_strings[11] = {
    BENCH_LOGGER,  BENCH_MESSAGE, "user_id",       "u-123",   "client_ip",     "192.168.1.1",
    "duration_ms", "request_path", "/api/v1/login", "api_key", "sk-live-abcdef"};
static volatile double bench_plain_double = 12.5;

/* Copies `s` behind its length and ORs its bytes into `high`: whole
 * words, the last one overlapping the one before. */
static inline size_t bench_plain_put(unsigned char *at, const char *s, uint64_t *high) {
  uint32_t n = (uint32_t)strlen(s);
  memcpy(at, &n, 4);
  memcpy(at + 4, s, n);
  uint64_t w;
  if (n >= 8) {
    for (uint32_t j = 0; j + 8 < n; j += 8) {
      memcpy(&w, s + j, 8);
      *high |= w;
    }
    memcpy(&w, s + n - 8, 8);
    *high |= w;
  } else {
    for (uint32_t j = 0; j < n; j++) *high |= (unsigned char)s[j];
  }
  return 4 + (size_t)n;
}

/* One entry; 1 when every byte was ASCII. */
__attribute__((noinline)) static int bench_plain_capture(bench_plain_ring *r) {
  size_t at = r->pos & (BENCH_PLAIN_RING - 1);
  if (at + BENCH_PLAIN_ENTRY_MAX > BENCH_PLAIN_RING) at = 0;
  unsigned char *p = r->ring + at;
  uint64_t high = 0;
  size_t len = 0;
  for (int k = 0; k < 11; k++) {
    len += bench_plain_put(p + len, bench_plain_strings[k], &high);
    if (k == 6) {
      double d = bench_plain_double;
      memcpy(p + len, &d, 8);
      len += 8;
    }
  }
  r->pos = (at + len + 63) & ~(size_t)63;
  __atomic_store_n(&r->published, r->pos, __ATOMIC_RELEASE);
  return (high & 0x8080808080808080ull) == 0;
}

typedef struct {
  lf_logger *logger;
  long per_thread;
  int paced;
  pthread_barrier_t *start;
  uint64_t *samples, *plain_samples; /* this thread's slices */
  size_t taken, plain_taken;
} bench_lf_thread;

static void *bench_lf_worker(void *arg) {
  bench_lf_thread *t = (bench_lf_thread *)arg;
  if (lf_context_set("correlation_id", BENCH_CORRELATION_ID) != LF_OK) bench_die("lf_context_set");
  lf_kv kv[5];
  memset(kv, 0, sizeof kv);
  kv[0].key = "user_id", kv[0].kind = LF_STRING, kv[0].str = "u-123";
  kv[1].key = "client_ip", kv[1].kind = LF_STRING, kv[1].str = "192.168.1.1";
  kv[2].key = "duration_ms", kv[2].kind = LF_DOUBLE, kv[2].d = 12.5;
  kv[3].key = "request_path", kv[3].kind = LF_STRING, kv[3].str = "/api/v1/login";
  kv[4].key = "api_key", kv[4].kind = LF_STRING, kv[4].str = "sk-live-abcdef";
  bench_plain_ring plain = {NULL, 0, 0};
  if (t->paced) {
    /* Zeroed, as a logger allocates its rings. */
    plain.ring = (unsigned char *)calloc(BENCH_PLAIN_RING, 1);
    if (plain.ring == NULL) exit(1);
  }
  pthread_barrier_wait(t->start);
  const struct timespec pause = {0, 1000000};
  for (long i = 0; i < t->per_thread; i++) {
    lf_status st;
    if (t->paced || i % BENCH_SAMPLE_EVERY == 0) {
      uint64_t t0 = bench_now_ns();
      st = lf_log_kv(t->logger, LF_INFO, BENCH_LOGGER, BENCH_MESSAGE, kv, 5);
      t->samples[t->taken++] = bench_now_ns() - t0;
    } else {
      st = lf_log_kv(t->logger, LF_INFO, BENCH_LOGGER, BENCH_MESSAGE, kv, 5);
    }
    if (st != LF_OK) bench_die("lf_log_kv");
    if (t->paced && (i + 1) % BENCH_PACE_BURST == 0) {
      if (lf_flush(t->logger, 60000) != LF_OK) bench_die("lf_flush");
      nanosleep(&pause, NULL);
      for (int j = 0; j < BENCH_PACE_BURST; j++) {
        uint64_t t0 = bench_now_ns();
        int ascii = bench_plain_capture(&plain);
        t->plain_samples[t->plain_taken++] = bench_now_ns() - t0;
        if (!ascii) exit(1);
      }
      nanosleep(&pause, NULL);
    }
  }
  free(plain.ring);
  lf_context_clear();
  return NULL;
}

/* `n` records (a multiple of `threads`) through a new logger writing to
 * `path`; the clock runs from the release of the threads until lf_flush
 * returns, and the file must then hold exactly `n` lines. A non-NULL
 * `plain` selects the paced latency pass (its rate means nothing) and
 * receives the figures of its plain captures. */
static bench_result bench_logfort(const char *path, long n, int threads, bench_result *plain) {
  int paced = plain != NULL;
  char config[4200];
  snprintf(config, sizeof config, "{\"sinks\": [{\"type\": \"file\", \"path\": \"%s\"}]}", path);
  lf_logger *logger;
  if (lf_logger_new(config, &logger) != LF_OK) bench_die("lf_logger_new");
  long per_thread = n / threads;
  size_t per_samples = (size_t)(paced ? per_thread : per_thread / BENCH_SAMPLE_EVERY + 1);
  uint64_t *samples = (uint64_t *)calloc(per_samples * (size_t)threads, sizeof *samples);
  uint64_t *plain_samples = (uint64_t *)calloc(per_samples * (size_t)threads, sizeof *plain_samples);
  bench_lf_thread *ts = (bench_lf_thread *)calloc((size_t)threads, sizeof *ts);
  pthread_t *ids = (pthread_t *)calloc((size_t)threads, sizeof *ids);
  pthread_barrier_t start;
  if (samples == NULL || plain_samples == NULL || ts == NULL || ids == NULL) exit(1);
  pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
  for (int i = 0; i < threads; i++) {
    ts[i].logger = logger;
    ts[i].per_thread = per_thread;
    ts[i].paced = paced;
    ts[i].start = &start;
    ts[i].samples = samples + (size_t)i * per_samples;
    ts[i].plain_samples = plain_samples + (size_t)i * per_samples;
    pthread_create(&ids[i], NULL, bench_lf_worker, &ts[i]);
  }
  pthread_barrier_wait(&start);
  uint64_t t0 = bench_now_ns();
  for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
  if (lf_flush(logger, 60000) != LF_OK) bench_die("lf_flush");
  uint64_t elapsed = bench_now_ns() - t0;
  long lines = bench_count_lines(path);
  if (lines != per_thread * threads) {
    fprintf(stderr, "bench: %s holds %ld lines, expected %ld\n", path, lines, per_thread * threads);
    exit(1);
  }
  lf_logger_free(logger);
  /* Gather the samples at the front for the percentiles. */
  size_t taken = 0, plain_taken = 0;
  for (int i = 0; i < threads; i++) {
    memmove(samples + taken, ts[i].samples, ts[i].taken * sizeof *samples);
    taken += ts[i].taken;
    memmove(plain_samples + plain_taken, ts[i].plain_samples,
            ts[i].plain_taken * sizeof *plain_samples);
    plain_taken += ts[i].plain_taken;
  }
  bench_result r;
  r.records_per_s = (double)(per_thread * threads) / ((double)elapsed / 1e9);
  bench_percentiles(samples, taken, &r);
  if (paced) {
    plain->records_per_s = 0;
    bench_percentiles(plain_samples, plain_taken, plain);
  }
  pthread_barrier_destroy(&start);
  free(samples);
  free(plain_samples);
  free(ts);
  free(ids);
  remove(path);
  return r;
}

static void bench_print_header(void) {
  printf("  %-20s %7s %11s | %22s | %22s\n", "", "", "end to end", "caller ns, saturated",
         "caller ns, paced");
  printf("  %-20s %7s %11s | %6s %7s %7s | %6s %7s %7s\n", "logger", "threads", "records/s", "p50",
         "p99", "p99.9", "p50", "p99", "p99.9");
}

/* `paced` is NULL when there was no paced pass. */
static void bench_print_row(const char *name, int threads, const bench_result *r,
                            const bench_result *paced) {
  printf("  %-20s %7d %11.0f | %6llu %7llu %7llu", name, threads, r->records_per_s,
         (unsigned long long)r->p50_ns, (unsigned long long)r->p99_ns,
         (unsigned long long)r->p999_ns);
  if (paced != NULL) {
    printf(" | %6llu %7llu %7llu\n", (unsigned long long)paced->p50_ns,
           (unsigned long long)paced->p99_ns, (unsigned long long)paced->p999_ns);
  } else {
    printf(" | %6s %7s %7s\n", "-", "-", "-");
  }
}

#endif /* BENCH_WORKLOAD_H */
