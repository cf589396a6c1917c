/* The C step of the demo: a worker the Node service runs for each
 * charge. It takes the request's correlation id as an argument, binds it
 * with lf_context_set, and logs records holding secrets (masked by the
 * core before they reach the file) and an audit event (hash-chained).
 *
 *   worker CORRELATION_ID LOG_DIR
 */
#include <stdio.h>
#include <stdlib.h>

#include "logfort.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s CORRELATION_ID LOG_DIR\n", argv[0]);
        return 2;
    }
    const char *cid = argv[1];
    const char *dir = argv[2];
    char config[2048];
    int n = snprintf(config, sizeof config,
                     "{\"service\": \"c-worker\", \"level\": \"info\","
                     " \"sinks\": [{\"type\": \"file\", \"path\": \"%s/c.log\"},"
                     "             {\"type\": \"audit\", \"path\": \"%s/c.audit.log\"}]}",
                     dir, dir);
    if (n < 0 || (size_t)n >= sizeof config) {
        fprintf(stderr, "worker: log directory path too long\n");
        return 2;
    }
    lf_logger *log = NULL;
    if (lf_logger_new(config, &log) != LF_OK) {
        fprintf(stderr, "worker: %s\n", lf_last_error());
        return 1;
    }
    lf_context_set("correlation_id", cid);
    lf_context_set("user_id", "u-123");

    lf_kv fields[] = {
        {.key = "password", .kind = LF_STRING, .str = "hunter2"},
        {.key = "amount", .kind = LF_DOUBLE, .d = 42.5},
        {.key = "duration_ms", .kind = LF_DOUBLE, .d = 3.25},
        {.key = "operation", .kind = LF_STRING, .str = "card_charge"},
    };
    lf_log_kv(log, LF_INFO, "worker.charge",
              "charging card 4111 1111 1111 1111 for order-42", fields, 4);
    lf_log(log, LF_INFO, "worker.charge", "gateway answered",
           "{\"authorization\": \"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEyMyJ9.c2lnbmF0dXJlLWRlbW8\","
           " \"status\": \"approved\"}");
    lf_status st = lf_audit(log, "worker.audit", "charge", "payment", "order-42", "u-123",
                            "{\"client_ip\": \"127.0.0.1\", \"amount\": 42.5}", "success");
    if (st != LF_OK) {
        fprintf(stderr, "worker: lf_audit: %s\n", lf_last_error());
    }
    int rc = lf_flush(log, 5000) == LF_OK && st == LF_OK ? 0 : 1;
    lf_logger_free(log);
    return rc;
}
