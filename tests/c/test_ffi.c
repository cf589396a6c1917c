/* C ABI tests: threads, bad arguments, context, metrics. Run by
 * ci/test-c.sh under valgrind; argv[1] is a scratch directory. */
#include "check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define PER_THREAD 5000

static lf_logger *logger;

static void *worker(void *arg) {
  long t = (long)arg;
  char cid[32];
  snprintf(cid, sizeof cid, "thread-%ld", t);
  CHECK_STATUS(lf_context_set("correlation_id", cid), LF_OK);
  for (long i = 0; i < PER_THREAD; i++) {
    if (i % 2 == 0) {
      lf_kv kv[] = {
          {.key = "t", .kind = LF_INT, .i = t},
          {.key = "i", .kind = LF_INT, .i = i},
          {.key = "ratio", .kind = LF_DOUBLE, .d = 0.5},
          {.key = "ok", .kind = LF_BOOL, .i = 1},
          {.key = "who", .kind = LF_STRING, .str = "worker"},
          {.key = "tags", .kind = LF_JSON, .str = "[\"a\",\"b\"]"},
          {.key = "nothing", .kind = LF_NULL},
      };
      CHECK_STATUS(lf_log_kv(logger, LF_INFO, "c.kv", "kv record", kv, 7), LF_OK);
    } else {
      char fields[64];
      snprintf(fields, sizeof fields, "{\"t\":%ld,\"i\":%ld}", t, i);
      CHECK_STATUS(lf_log(logger, LF_WARNING, "c.json", "json record", fields), LF_OK);
    }
  }
  lf_context_clear();
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  CHECK(strlen(lf_version()) > 0, "lf_version is empty");

  /* Configuration errors name the key. */
  lf_logger *bad = (lf_logger *)0x1;
  CHECK_STATUS(lf_logger_new("{\"levle\":\"info\"}", &bad), LF_INVALID_CONFIG);
  CHECK(bad == NULL, "out not cleared on failure");
  CHECK(strstr(lf_last_error(), "`levle`: unknown key") != NULL, "error does not name the key: %s", lf_last_error());
  CHECK_STATUS(lf_logger_new("{\"queue\":{\"overflow\":\"maybe\"}}", &bad), LF_INVALID_CONFIG);
  CHECK(strstr(lf_last_error(), "queue.overflow") != NULL, "error does not name queue.overflow");
  CHECK_STATUS(lf_logger_new("{}", NULL), LF_NULL_ARGUMENT);
  CHECK_STATUS(lf_logger_new("{\"level\":\"\xff\"}", &bad), LF_INVALID_UTF8);

  char path[4096], config[4200];
  snprintf(path, sizeof path, "%s/c.log", argv[1]);
  snprintf(config, sizeof config,
           "{\"level\":\"debug\",\"service\":\"c-test\",\"sinks\":[{\"type\":\"file\",\"path\":\"%s\"}]}", path);
  CHECK_STATUS(lf_logger_new(config, &logger), LF_OK);
  CHECK(strcmp(lf_last_error(), "") == 0, "last error not cleared on success");

  /* Several threads at once. */
  pthread_t threads[THREADS];
  for (long t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, worker, (void *)t);
  for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);

  /* Bad arguments: each returns its status. */
  CHECK_STATUS(lf_log(NULL, LF_INFO, "c", "m", NULL), LF_NULL_ARGUMENT);
  CHECK(strcmp(lf_last_error(), "logger is NULL") == 0, "NULL logger message: %s", lf_last_error());
  CHECK_STATUS(lf_log(logger, LF_INFO, NULL, "m", NULL), LF_NULL_ARGUMENT);
  CHECK_STATUS(lf_log(logger, LF_INFO, "c", NULL, NULL), LF_NULL_ARGUMENT);
  CHECK(strcmp(lf_last_error(), "message is NULL") == 0, "NULL message text: %s", lf_last_error());
  CHECK_STATUS(lf_log(logger, LF_ERROR, "c.bad", "bad \xff\xfe utf8", NULL), LF_INVALID_UTF8);
  CHECK_STATUS(lf_log(logger, LF_ERROR, "c.bad", "bad json", "{\"a\":"), LF_INVALID_JSON);
  CHECK_STATUS(lf_log(logger, LF_ERROR, "c.bad", "not an object", "[1,2]"), LF_INVALID_JSON);
  lf_kv bad_utf8[] = {{.key = "k\xff", .kind = LF_STRING, .str = "v\xfe"},
                      {.key = "caf\xc3\xa9", .kind = LF_STRING, .str = "cr\xc3\xa8me"}};
  CHECK_STATUS(lf_log_kv(logger, LF_ERROR, "c.bad.kv", "m", bad_utf8, 2), LF_INVALID_UTF8);
  lf_kv good_utf8[] = {{.key = "caf\xc3\xa9", .kind = LF_STRING, .str = "br\xc3\xbbl\xc3\xa9" "e"}};
  CHECK_STATUS(lf_log_kv(logger, LF_INFO, "c.utf8", "d\xc3\xa9j\xc3\xa0 vu", good_utf8, 1), LF_OK);
  lf_kv bad_kind[] = {{.key = "k", .kind = 99}};
  CHECK_STATUS(lf_log_kv(logger, LF_INFO, "c", "m", bad_kind, 1), LF_INVALID_ARGUMENT);
  lf_kv null_key[] = {{.key = NULL, .kind = LF_NULL}};
  CHECK_STATUS(lf_log_kv(logger, LF_INFO, "c", "m", null_key, 1), LF_NULL_ARGUMENT);
  CHECK_STATUS(lf_log_kv(logger, LF_INFO, "c", "m", NULL, 3), LF_NULL_ARGUMENT);
  CHECK_STATUS(lf_log_kv(logger, LF_INFO, "c.empty", "no fields", NULL, 0), LF_OK);
  CHECK_STATUS(lf_log(logger, LF_TRACE, "c", "below the level: skipped", NULL), LF_OK);
  CHECK_STATUS(lf_flush(NULL, 1000), LF_NULL_ARGUMENT);
  CHECK_STATUS(lf_log_kv(logger, LF_TRACE, "c", "below the level: skipped", NULL, 0), LF_OK);
  CHECK(strcmp(lf_last_error(), "") == 0, "a filtered call left the last error: %s", lf_last_error());
  CHECK_STATUS(lf_context_set(NULL, "x"), LF_NULL_ARGUMENT);

  /* Context: a hostile id is replaced, never echoed. */
  CHECK_STATUS(lf_context_set("correlation_id", "evil\"\n{}"), LF_OK);
  CHECK_STATUS(lf_context_set("tenant", "acme"), LF_OK);
  CHECK_STATUS(lf_log(logger, LF_INFO, "c.ctx", "hostile", NULL), LF_OK);
  CHECK_STATUS(lf_context_set("tenant", NULL), LF_OK);
  lf_context_clear();

  CHECK_STATUS(lf_flush(logger, 10000), LF_OK);

  char *metrics = NULL;
  CHECK_STATUS(lf_metrics(logger, &metrics), LF_OK);
  CHECK(metrics && strstr(metrics, "logfort_records_written_total 20007\n"), "metrics: %s", metrics ? metrics : "(null)");
  lf_string_free(metrics);
  lf_string_free(NULL);

  CHECK(count_lines(path, NULL) == THREADS * PER_THREAD + 7, "line count %ld", count_lines(path, NULL));
  CHECK(count_lines(path, "\"logger\":\"c.kv\"") == THREADS * PER_THREAD / 2, "kv lines");
  CHECK(count_lines(path, "\"correlation_id\":\"thread-") == THREADS * PER_THREAD, "correlation ids");
  CHECK(count_lines(path, "\"tags\":[\"a\",\"b\"],\"nothing\":null") == THREADS * PER_THREAD / 2, "typed fields");
  CHECK(count_lines(path, "\"message\":\"bad \xef\xbf\xbd\xef\xbf\xbd utf8\"") == 1, "lossy record");
  CHECK(count_lines(path, "\"fields\":\"{\\\"a\\\":\"") == 1, "invalid json kept as string");
  CHECK(count_lines(path, "\"k\xef\xbf\xbd\":\"v\xef\xbf\xbd\",\"caf\xc3\xa9\":\"cr\xc3\xa8me\"") == 1, "lossy fields");
  CHECK(count_lines(path, "\"message\":\"d\xc3\xa9j\xc3\xa0 vu\"") == 1, "UTF-8 message kept");
  CHECK(count_lines(path, "\"caf\xc3\xa9\":\"br\xc3\xbbl\xc3\xa9" "e\"") == 1, "UTF-8 field kept");
  CHECK(count_lines(path, "\"correlation_id_rejected\":true,\"service\":\"c-test\",\"tenant\":\"acme\"") == 1, "hostile id replaced");
  CHECK(count_lines(path, "evil") == 0, "hostile id echoed");

  lf_logger_free(logger);
  lf_logger_free(NULL);
  CHECK_STATUS(lf_log(NULL, LF_INFO, "c", "m", NULL), LF_NULL_ARGUMENT);

  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("C ABI: all checks passed\n");
  return 0;
}
