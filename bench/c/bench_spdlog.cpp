// logfort through the C ABI (lf_log_kv) and spdlog's async logger side by
// side in one process run: the DESIGN.md workload, end-to-end records/s
// and caller latency from 1 and 4 threads, with the ratios. spdlog writes
// the same record with a JSON-like pattern: no escaping, no masking, the
// correlation id passed as an argument (spdlog has no context), the
// default queue (8192) with overflow policy block (lossless).
// argv[1] is a scratch directory. Run by bench/run.sh.
#include "workload.h"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

const char *const kPattern =
    "{\"timestamp\":\"%Y-%m-%dT%H:%M:%S.%fZ\",\"level\":\"%^%l%$\",\"logger\":\"%n\",\"message\":\"%v}";

bench_result run_spdlog(const std::string &path, long n, int threads) {
  auto pool = std::make_shared<spdlog::details::thread_pool>(8192, 1);
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, true);
  auto logger = std::make_shared<spdlog::async_logger>("app.auth", sink, pool,
                                                       spdlog::async_overflow_policy::block);
  logger->set_pattern(kPattern, spdlog::pattern_time_type::utc);
  long per_thread = n / threads;
  size_t per_samples = static_cast<size_t>(per_thread / BENCH_SAMPLE_EVERY + 1);
  std::vector<std::vector<uint64_t>> samples(static_cast<size_t>(threads));
  pthread_barrier_t start;
  pthread_barrier_init(&start, nullptr, static_cast<unsigned>(threads) + 1);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; t++) {
    workers.emplace_back([&, t] {
      auto &mine = samples[static_cast<size_t>(t)];
      mine.reserve(per_samples);
      // The correlation id the request bound, kept by the caller.
      const std::string correlation_id = BENCH_CORRELATION_ID;
      auto call = [&] {
        logger->info(
            "{}\",\"correlation_id\":\"{}\",\"user_id\":\"{}\",\"client_ip\":\"{}\","
            "\"duration_ms\":{},\"request_path\":\"{}\",\"api_key\":\"{}\"",
            BENCH_MESSAGE, correlation_id, "u-123", "192.168.1.1", 12.5, "/api/v1/login",
            "sk-live-abcdef");
      };
      pthread_barrier_wait(&start);
      for (long i = 0; i < per_thread; i++) {
        if (i % BENCH_SAMPLE_EVERY == 0) {
          uint64_t t0 = bench_now_ns();
          call();
          mine.push_back(bench_now_ns() - t0);
        } else {
          call();
        }
      }
    });
  }
  pthread_barrier_wait(&start);
  uint64_t t0 = bench_now_ns();
  for (auto &w : workers) w.join();
  // The pool drains its queue before its thread ends; the file sink
  // closes (and flushes) with the last message that holds the logger.
  logger->flush();
  logger.reset();
  sink.reset();
  pool.reset();
  uint64_t elapsed = bench_now_ns() - t0;
  long lines = bench_count_lines(path.c_str());
  if (lines != per_thread * threads) {
    fprintf(stderr, "bench: %s holds %ld lines, expected %ld\n", path.c_str(), lines,
            per_thread * threads);
    exit(1);
  }
  std::vector<uint64_t> all;
  for (auto &s : samples) all.insert(all.end(), s.begin(), s.end());
  bench_result r;
  r.records_per_s = static_cast<double>(per_thread * threads) / (static_cast<double>(elapsed) / 1e9);
  bench_percentiles(all.data(), all.size(), &r);
  pthread_barrier_destroy(&start);
  remove(path.c_str());
  return r;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  long n = bench_env_long("BENCH_N", 200000);
  long rounds = bench_env_long("BENCH_ROUNDS", 3);
  printf("logfort C ABI vs spdlog %d.%d.%d async: %ld records per measurement, %ld round(s), "
         "1 call in %d timed\n",
         SPDLOG_VER_MAJOR, SPDLOG_VER_MINOR, SPDLOG_VER_PATCH, n, rounds, BENCH_SAMPLE_EVERY);
  printf("timer: an empty timed region reads p50 %llu ns; every caller figure includes it\n",
         (unsigned long long)bench_timer_floor_ns());
  for (int threads : {1, 4}) {
    long total = (n + threads - 1) / threads * threads;
    std::vector<double> ratios;
    for (long round = 1; round <= rounds; round++) {
      printf("\n%ld records from %d thread(s), round %ld/%ld\n", total, threads, round, rounds);
      bench_print_header();
      std::string base = std::string(argv[1]) + "/" + std::to_string(threads) + "-" +
                         std::to_string(round);
      bench_result lf{}, sp{};
      // Alternate who goes first so neither always gets the cooler machine.
      if (round % 2 == 1) {
        lf = bench_logfort((base + "-logfort.log").c_str(), total, threads, nullptr);
        sp = run_spdlog(base + "-spdlog.log", total, threads);
      } else {
        sp = run_spdlog(base + "-spdlog.log", total, threads);
        lf = bench_logfort((base + "-logfort.log").c_str(), total, threads, nullptr);
      }
      bench_print_row("logfort (C ABI)", threads, &lf, nullptr);
      bench_print_row("spdlog async", threads, &sp, nullptr);
      double ratio = lf.records_per_s / sp.records_per_s;
      ratios.push_back(ratio);
      printf("  logfort / spdlog, %d thread(s): end-to-end %.2fx\n", threads, ratio);
    }
    std::sort(ratios.begin(), ratios.end());
    printf("\n%d thread(s): logfort / spdlog end-to-end, median of %ld round(s): %.2fx\n", threads,
           rounds, ratios[ratios.size() / 2]);
  }
  return 0;
}
