/* Checks shared by the C test programs: count failures instead of
 * stopping, so one run reports every broken expectation. */
#ifndef LOGFORT_TEST_CHECK_H
#define LOGFORT_TEST_CHECK_H

#include "logfort.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                       \
  do {                                                         \
    if (!(cond)) {                                             \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);     \
      fprintf(stderr, __VA_ARGS__);                            \
      fprintf(stderr, " (last error: %s)\n", lf_last_error()); \
      failures++;                                              \
    }                                                          \
  } while (0)

#define CHECK_STATUS(call, want)                                          \
  do {                                                                    \
    lf_status got_ = (call);                                              \
    CHECK(got_ == (want), "%s returned %d, want %d", #call, got_, want); \
  } while (0)

/* Lines of `path` containing `needle` (every line when NULL); -1 when the
 * file cannot be read. */
static inline long count_lines(const char *path, const char *needle) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long n = 0;
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0)
    if (!needle || strstr(line, needle)) n++;
  free(line);
  fclose(f);
  return n;
}

#endif
