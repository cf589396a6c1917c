"""Writes a JSON-lines log file of about SIZE megabytes, shaped like what
logfort writes for a busy service: mixed levels and loggers, requests of
about ten records sharing a correlation id, timings on some records,
errors with a handful of messages, a few hours of timestamps.

    python3 gen.py SIZE_MB OUT [TRACE_ID_FILE]

Deterministic (fixed seed), so runs compare alike. Prints the id of one
request in the middle of the file (the one the trace benchmark follows).
"""

import json
import random
import sys

size = int(sys.argv[1]) * 1_000_000
out = sys.argv[2]
rng = random.Random(42)
levels = ["INFO"] * 80 + ["DEBUG"] * 10 + ["WARNING"] * 6 + ["ERROR"] * 3 + ["CRITICAL"]
loggers = ["app.http", "app.db", "app.auth", "app.billing", "app.cache", "worker.jobs"]
ops = ["db_query", "http_call", "cache_get", "render", "charge"]
errors = [
    "db timeout",
    "connection reset by peer",
    "card declined",
    "upstream 502",
    "deadlock detected",
]
paths = ["/api/v1/login", "/api/v1/orders", "/api/v1/pay", "/health", "/api/v1/users/42"]
written = 0
req = 0
t = 1_795_420_800_000_000  # 2026-11-23T08:00:00Z in microseconds
middle = None


def ts(us):
    s, frac = divmod(us, 1_000_000)
    day_s = s % 86400
    day = 23 + s // 86400 - 1_795_392_000 // 86400
    hh, mm, ss = day_s // 3600, day_s // 60 % 60, day_s % 60
    return f"2026-11-{day:02d}T{hh:02d}:{mm:02d}:{ss:02d}.{frac:06d}Z"


with open(out, "w", buffering=1 << 20) as f:
    while written < size:
        req += 1
        cid = f"req-{req:08d}"
        if middle is None and written > size // 2:
            middle = cid
        lines = []
        for _ in range(rng.randint(6, 14)):
            t += rng.randint(50, 40000)
            level = rng.choice(levels)
            rec = {
                "timestamp": ts(t),
                "level": level,
                "logger": rng.choice(loggers),
                "message": (
                    rng.choice(errors) if level in ("ERROR", "CRITICAL") else "request handled"
                ),
                "correlation_id": cid,
                "service": "shop-api",
                "environment": "production",
                "user_id": f"u-{rng.randint(1, 5000)}",
                "request_path": rng.choice(paths),
            }
            if rng.random() < 0.4:
                rec["operation"] = rng.choice(ops)
                rec["duration_ms"] = round(rng.lognormvariate(3, 1), 3)
            lines.append(json.dumps(rec, separators=(",", ":")))
        chunk = "\n".join(lines) + "\n"
        f.write(chunk)
        written += len(chunk)
print(middle)
