/* C ABI tests of the typed records: lf_audit, lf_security,
 * lf_performance. Run by ci/test-c.sh under valgrind; argv[1] is a
 * scratch directory. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lf_logger *open_logger(const char *path, const char *level, const char *extra) {
  char config[4400];
  snprintf(config, sizeof config,
           "{\"level\":\"%s\",\"sinks\":[{\"type\":\"file\",\"path\":\"%s\"}]%s}", level, path, extra);
  lf_logger *l = NULL;
  CHECK_STATUS(lf_logger_new(config, &l), LF_OK);
  return l;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  char path[4096], strict_path[4096];
  snprintf(path, sizeof path, "%s/types.log", argv[1]);
  snprintf(strict_path, sizeof strict_path, "%s/strict.log", argv[1]);
  lf_logger *logger = open_logger(path, "debug", ",\"performance\":{\"operations\":{\"render\":{\"warn_ms\":100}}}");

  CHECK_STATUS(lf_context_set("correlation_id", "c-9"), LF_OK);
  CHECK_STATUS(lf_audit(logger, "c.audit", "user.login", "session", "s-1", "u-1", "{\"mfa\":true}", "success"), LF_OK);
  CHECK_STATUS(lf_audit(logger, "c.audit", "doc.delete", "document", "d-7", NULL, NULL, "denied"), LF_OK);
  CHECK_STATUS(lf_security(logger, "c.sec", "login.bruteforce", "critical", "10.0.0.5", "u-2", NULL), LF_OK);
  CHECK_STATUS(lf_security(logger, "c.sec", "odd", "high", NULL, NULL, NULL), LF_OK);
  CHECK_STATUS(lf_performance(logger, "c.perf", "render", 12000.0, 1, "{\"rows\":3}"), LF_OK);
  CHECK_STATUS(lf_performance(logger, "c.perf", "render", 150.0, 1, NULL), LF_OK);
  CHECK_STATUS(lf_performance(logger, "c.perf", "db_query", 1500.0, 0, NULL), LF_OK);
  CHECK_STATUS(lf_performance(logger, "c.perf", "cache", 2.5, 1, NULL), LF_OK);
  lf_context_clear();

  /* Bad arguments. */
  CHECK_STATUS(lf_audit(NULL, "c", "a", "t", "i", NULL, NULL, "success"), LF_NULL_ARGUMENT);
  CHECK_STATUS(lf_audit(logger, "c", NULL, "t", "i", NULL, NULL, "success"), LF_NULL_ARGUMENT);
  CHECK(strcmp(lf_last_error(), "action is NULL") == 0, "NULL action text: %s", lf_last_error());
  CHECK_STATUS(lf_audit(logger, "c", "a", "t", "i", NULL, NULL, NULL), LF_NULL_ARGUMENT);
  CHECK_STATUS(lf_security(logger, "c", "e", NULL, NULL, NULL, NULL), LF_NULL_ARGUMENT);
  CHECK_STATUS(lf_performance(logger, NULL, "op", 1.0, 1, NULL), LF_NULL_ARGUMENT);
  CHECK_STATUS(lf_performance(logger, "c.perf", "bad", 1.0, 1, "[1]"), LF_INVALID_JSON);
  CHECK_STATUS(lf_security(logger, "c.sec", "bad \xff", "info", "::1", "u", NULL), LF_INVALID_UTF8);
  CHECK_STATUS(lf_flush(logger, 10000), LF_OK);

  /* Below the level: nothing written, not even a bad details document. */
  char quiet_path[4096];
  snprintf(quiet_path, sizeof quiet_path, "%s/quiet.log", argv[1]);
  lf_logger *quiet = open_logger(quiet_path, "error", "");
  CHECK_STATUS(lf_performance(quiet, "c.perf", "render", 10.0, 1, "not json"), LF_OK);
  CHECK_STATUS(lf_audit(quiet, "c.audit", "a", "t", "i", "u", "not json", "denied"), LF_OK);
  CHECK_STATUS(lf_security(quiet, "c.sec", "e", "critical", "::1", "u", NULL), LF_OK);
  CHECK_STATUS(lf_flush(quiet, 10000), LF_OK);
  CHECK(count_lines(quiet_path, NULL) == 1, "quiet line count %ld", count_lines(quiet_path, NULL));
  CHECK(count_lines(quiet_path, "\"level\":\"CRITICAL\"") == 1, "critical security record");
  lf_logger_free(quiet);

  const char *want[] = {
      "\"level\":\"INFO\",\"logger\":\"c.audit\",\"message\":\"audit: user.login on session/s-1 -> success\","
      "\"correlation_id\":\"c-9\",\"log_type\":\"audit\",\"action\":\"user.login\",\"resource_type\":\"session\","
      "\"resource_id\":\"s-1\",\"user_id\":\"u-1\",\"result\":\"success\",\"mfa\":true,\"schema_version\":\"1.0\"}",
      "\"level\":\"WARNING\",\"logger\":\"c.audit\",\"message\":\"audit: doc.delete on document/d-7 -> denied\","
      "\"correlation_id\":\"c-9\",\"log_type\":\"audit\",\"action\":\"doc.delete\",\"resource_type\":\"document\","
      "\"resource_id\":\"d-7\",\"result\":\"denied\",\"schema_version\":\"1.0\",\"schema_errors\":[\"user_id: is required (audit)\"]}",
      "\"level\":\"CRITICAL\",\"logger\":\"c.sec\",\"message\":\"security: login.bruteforce (critical)\","
      "\"correlation_id\":\"c-9\",\"log_type\":\"security\",\"security_event\":\"login.bruteforce\",\"severity\":\"critical\","
      "\"client_ip\":\"10.0.0.5\",\"user_id\":\"u-2\",\"schema_version\":\"1.0\"}",
      "\"level\":\"WARNING\",\"logger\":\"c.sec\",\"message\":\"security: odd (high)\",\"correlation_id\":\"c-9\","
      "\"log_type\":\"security\",\"security_event\":\"odd\",\"severity\":\"high\",\"schema_version\":\"1.0\","
      "\"schema_errors\":[\"client_ip: is required (security)\",\"user_id: is required (security)\","
      "\"severity: must be one of info, warning, critical (security)\"]}",
      "\"level\":\"ERROR\",\"logger\":\"c.perf\",\"message\":\"performance: render took 12000 ms\",\"correlation_id\":\"c-9\","
      "\"log_type\":\"performance\",\"operation\":\"render\",\"duration_ms\":12000.0,\"success\":true,\"rows\":3,"
      "\"schema_version\":\"1.0\"}",
      "\"level\":\"WARNING\",\"logger\":\"c.perf\",\"message\":\"performance: render took 150 ms\"",
      "\"level\":\"WARNING\",\"logger\":\"c.perf\",\"message\":\"performance: db_query took 1500 ms (failed)\","
      "\"correlation_id\":\"c-9\",\"log_type\":\"performance\",\"operation\":\"db_query\",\"duration_ms\":1500.0,"
      "\"success\":false,\"schema_version\":\"1.0\"}",
      "\"level\":\"INFO\",\"logger\":\"c.perf\",\"message\":\"performance: cache took 2.5 ms\"",
      "\"message\":\"performance: bad took 1 ms\",\"log_type\":\"performance\",\"operation\":\"bad\","
      "\"duration_ms\":1.0,\"success\":true,\"fields\":\"[1]\"",
      "\"message\":\"security: bad \xef\xbf\xbd (info)\"",
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++)
    CHECK(count_lines(path, want[i]) == 1, "line %zu not found once: %s", i, want[i]);
  CHECK(count_lines(path, NULL) == 10, "line count %ld", count_lines(path, NULL));
  lf_logger_free(logger);

  /* Strict schema policy: the caller gets the violation, nothing is written. */
  lf_logger *strict = open_logger(strict_path, "debug", ",\"schema\":{\"policy\":\"strict\"}");
  CHECK_STATUS(lf_performance(strict, "c.perf", "render", -1.0, 1, NULL), LF_SCHEMA_VIOLATION);
  CHECK(strcmp(lf_last_error(),
               "schema violation: duration_ms: must be >= 0 (base); duration_ms: must be >= 0 (performance)") == 0,
        "strict error text: %s", lf_last_error());
  CHECK_STATUS(lf_security(strict, "c.sec", "e", "info", "::1", "u", NULL), LF_OK);
  CHECK(strcmp(lf_last_error(), "") == 0, "last error not cleared");
  CHECK_STATUS(lf_flush(strict, 10000), LF_OK);
  CHECK(count_lines(strict_path, NULL) == 1, "strict line count %ld", count_lines(strict_path, NULL));
  char *metrics = NULL;
  CHECK_STATUS(lf_metrics(strict, &metrics), LF_OK);
  CHECK(metrics && strstr(metrics, "logfort_records_dropped_total{reason=\"schema\"} 1\n"), "metrics: %s",
        metrics ? metrics : "(null)");
  lf_string_free(metrics);
  lf_logger_free(strict);

  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("C ABI typed records: all checks passed\n");
  return 0;
}
