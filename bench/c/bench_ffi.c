/* The benchmark workload through the C ABI (lf_log_kv): end-to-end
 * records/s and caller latency from 1 and 4 threads, BENCH_ROUNDS times;
 * the paced latency beside that of the same capture written plainly in C
 * (`bench_plain_capture`). argv[1] is a scratch directory. Run by
 * bench/run.sh. */
#include "workload.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  long n = bench_env_long("BENCH_N", 200000);
  long paced_n = bench_env_long("BENCH_PACED_N", 100000);
  long rounds = bench_env_long("BENCH_ROUNDS", 3);
  printf("C ABI (lf_log_kv, liblogfort %s): %ld records per end-to-end run (1 call in %d timed), "
         "%ld per paced latency run (bursts of %d, each followed by lf_flush and a 1 ms pause, "
         "then by as many plain C captures and a 1 ms pause), %ld round(s)\n",
         lf_version(), n, BENCH_SAMPLE_EVERY, paced_n, BENCH_PACE_BURST, rounds);
  printf("timer: an empty timed region reads p50 %llu ns; every caller figure includes it\n",
         (unsigned long long)bench_timer_floor_ns());
  printf("plain C: the record's strings measured, checked and copied into a ring with strlen and "
         "memcpy\n");
  static const int thread_counts[] = {1, 4};
  double *p50s = (double *)calloc((size_t)rounds * 2, sizeof *p50s);
  if (p50s == NULL) return 1;
  for (size_t k = 0; k < sizeof thread_counts / sizeof *thread_counts; k++) {
    int threads = thread_counts[k];
    long total = (n + threads - 1) / threads * threads;
    long paced_total = (paced_n + threads - 1) / threads * threads;
    printf("\n%ld records from %d thread(s)\n", total, threads);
    bench_print_header();
    for (long round = 1; round <= rounds; round++) {
      char path[4096];
      snprintf(path, sizeof path, "%s/ffi-%d-%ld.log", argv[1], threads, round);
      bench_result r = bench_logfort(path, total, threads, NULL);
      bench_result plain;
      bench_result paced = bench_logfort(path, paced_total, threads, &plain);
      char name[64];
      snprintf(name, sizeof name, "logfort, round %ld", round);
      bench_print_row(name, threads, &r, &paced);
      snprintf(name, sizeof name, "plain C, round %ld", round);
      printf("  %-20s %7d %11s | %6s %7s %7s | %6llu %7llu %7llu\n", name, threads, "-", "-", "-",
             "-", (unsigned long long)plain.p50_ns, (unsigned long long)plain.p99_ns,
             (unsigned long long)plain.p999_ns);
      p50s[round - 1] = (double)paced.p50_ns;
      p50s[rounds + round - 1] = (double)paced.p50_ns / (double)plain.p50_ns;
    }
    printf("  paced p50, median of %ld round(s): logfort %.0f ns, logfort / plain C %.2fx\n",
           rounds, median(p50s, (size_t)rounds), median(p50s + rounds, (size_t)rounds));
  }
  free(p50s);
  return 0;
}
