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
  long rounds = bench_env_long("BENCH_ROUNDS", 3);
  printf("C ABI (lf_log_kv, liblogfort %s): %ld records per measurement, %ld round(s), "
         "1 call in %d timed\n",
         lf_version(), n, rounds, BENCH_SAMPLE_EVERY);
  static const int thread_counts[] = {1, 4};
  for (size_t k = 0; k < sizeof thread_counts / sizeof *thread_counts; k++) {
    int threads = thread_counts[k];
    long total = (n + threads - 1) / threads * threads;
    printf("\n%ld records from %d thread(s)\n", total, threads);
    bench_print_header();
    for (long round = 1; round <= rounds; round++) {
      char path[4096];
      snprintf(path, sizeof path, "%s/ffi-%d-%ld.log", argv[1], threads, round);
      bench_result r = bench_logfort(path, total, threads);
      char name[64];
      snprintf(name, sizeof name, "logfort C ABI, round %ld", round);
      bench_print_row(name, threads, &r);
    }
  }
  return 0;
}
