/* The benchmark workload through the C ABI (lf_log_kv): end-to-end
 * records/s and caller latency from 1 and 4 threads, BENCH_ROUNDS times.
 * argv[1] is a scratch directory. Run by bench/run.sh. */
#include "workload.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  long n = bench_env_long("BENCH_N", 200000);
  long paced_n = bench_env_long("BENCH_PACED_N", 100000);
  long rounds = bench_env_long("BENCH_ROUNDS", 3);
  printf("C ABI (lf_log_kv, liblogfort %s): %ld records per end-to-end run (1 call in %d timed), "
         "%ld per paced latency run (bursts of %d, each followed by lf_flush and a 1 ms pause), "
         "%ld round(s)\n",
         lf_version(), n, BENCH_SAMPLE_EVERY, paced_n, BENCH_PACE_BURST, rounds);
  printf("timer: an empty timed region reads p50 %llu ns; every caller figure includes it\n",
         (unsigned long long)bench_timer_floor_ns());
  static const int thread_counts[] = {1, 4};
  for (size_t k = 0; k < sizeof thread_counts / sizeof *thread_counts; k++) {
    int threads = thread_counts[k];
    long total = (n + threads - 1) / threads * threads;
    long paced_total = (paced_n + threads - 1) / threads * threads;
    printf("\n%ld records from %d thread(s)\n", total, threads);
    bench_print_header();
    for (long round = 1; round <= rounds; round++) {
      char path[4096];
      snprintf(path, sizeof path, "%s/ffi-%d-%ld.log", argv[1], threads, round);
      bench_result r = bench_logfort(path, total, threads, 0);
      bench_result paced = bench_logfort(path, paced_total, threads, 1);
      char name[64];
      snprintf(name, sizeof name, "logfort, round %ld", round);
      bench_print_row(name, threads, &r, &paced);
    }
  }
  return 0;
}
