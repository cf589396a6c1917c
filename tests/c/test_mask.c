/* lf_mask: one string through a logger's masking rules. argv[1] is a
 * scratch directory. */
#include "logfort.h"

#include <stdio.h>
#include <string.h>

static int failures = 0;

static void expect_mask(lf_logger *logger, const char *input, const char *want) {
  char *out = NULL;
  lf_status st = lf_mask(logger, input, &out);
  if (st != LF_OK || out == NULL || strcmp(out, want) != 0) {
    fprintf(stderr, "FAIL lf_mask(%s): status %d, got %s, want %s\n", input, st, out ? out : "(null)", want);
    failures++;
  }
  lf_string_free(out);
}

int main(int argc, char **argv) {
  (void)argc;
  char config[4200];
  snprintf(config, sizeof config,
           "{\"mask\":{\"rules\":[{\"name\":\"employee_id\",\"pattern\":\"EMP-\\\\d{6}\",\"replace\":\"EMP-******\"}]},"
           "\"sinks\":[{\"type\":\"file\",\"path\":\"%s/mask.log\"}]}",
           argv[1]);
  lf_logger *logger = NULL;
  if (lf_logger_new(config, &logger) != LF_OK) {
    fprintf(stderr, "FAIL lf_logger_new: %s\n", lf_last_error());
    return 1;
  }
  expect_mask(logger, "card 4111-1111-1111-1111 paid", "card ****-****-****-1111 paid");
  expect_mask(logger, "mail alice@example.com", "mail a***@example.com");
  expect_mask(logger, "badge EMP-123456 scanned", "badge EMP-****** scanned");
  expect_mask(logger, "order 1234-5678 shipped", "order 1234-5678 shipped");

  char *out = (char *)"untouched";
  if (lf_mask(logger, NULL, &out) != LF_NULL_ARGUMENT || out != NULL) {
    fprintf(stderr, "FAIL lf_mask(NULL input)\n");
    failures++;
  }
  if (lf_mask(NULL, "x", &out) != LF_NULL_ARGUMENT || lf_mask(logger, "x", NULL) != LF_NULL_ARGUMENT) {
    fprintf(stderr, "FAIL lf_mask NULL logger/out\n");
    failures++;
  }
  out = NULL;
  if (lf_mask(logger, "bad \xff card 4111111111111111", &out) != LF_INVALID_UTF8 || out == NULL ||
      strcmp(out, "bad \xef\xbf\xbd card ****-****-****-1111") != 0) {
    fprintf(stderr, "FAIL lf_mask invalid UTF-8: %s\n", out ? out : "(null)");
    failures++;
  }
  lf_string_free(out);

  /* Masking off: the text comes back unchanged. */
  lf_logger *plain = NULL;
  snprintf(config, sizeof config, "{\"mask\":{\"enabled\":false},\"sinks\":[{\"type\":\"file\",\"path\":\"%s/plain.log\"}]}",
           argv[1]);
  if (lf_logger_new(config, &plain) != LF_OK) {
    fprintf(stderr, "FAIL lf_logger_new (mask off): %s\n", lf_last_error());
    return 1;
  }
  expect_mask(plain, "card 4111-1111-1111-1111", "card 4111-1111-1111-1111");

  lf_logger_free(plain);
  lf_logger_free(logger);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("lf_mask: all checks passed\n");
  return 0;
}
