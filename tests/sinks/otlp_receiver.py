"""A local OTLP/HTTP logs receiver for the sink tests.

Decodes every request with the official protobuf definitions
(opentelemetry-proto) and appends one JSON line per LogRecord to --out.
The first --fail requests are answered 503. Counters go to --stats after
every request. Listens on 127.0.0.1 on a free port, written to --port-file.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue


def any_value(v: AnyValue) -> object:
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in v.kvlist_value.values}
    return getattr(v, kind)


def hex_ids_to_base64(doc: object) -> None:
    """OTLP/JSON writes trace and span ids as hex; protobuf's JSON mapping
    expects base64 for bytes fields."""
    if isinstance(doc, dict):
        for key in ("traceId", "spanId"):
            if isinstance(doc.get(key), str):
                doc[key] = base64.b64encode(bytes.fromhex(doc[key])).decode()
        for v in doc.values():
            hex_ids_to_base64(v)
    elif isinstance(doc, list):
        for v in doc:
            hex_ids_to_base64(v)


class State:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.lock = threading.Lock()
        self.stats = {
            "requests": 0,
            "refused": 0,
            "accepted": 0,
            "gzip": 0,
            "errors": [],
        }

    def save(self) -> None:
        tmp = Path(self.args.stats + ".tmp")
        tmp.write_text(json.dumps(self.stats))
        os.replace(tmp, self.args.stats)


def handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def reply(self, code: int, body: bytes = b"{}") -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            answer = b"{}"
            with state.lock:
                state.stats["requests"] += 1
                if state.stats["refused"] < state.args.fail:
                    state.stats["refused"] += 1
                    code = 503
                else:
                    try:
                        self.accept(body)
                        state.stats["accepted"] += 1
                        code = 200
                    except Exception as e:  # noqa: BLE001 (every failure is reported)
                        state.stats["errors"].append(f"{type(e).__name__}: {e}")
                        code = 400
                        answer = json.dumps({"message": str(e)}).encode()
                # Recorded before the answer: the sender may check at once.
                state.save()
            self.reply(code, answer)

        def accept(self, body: bytes) -> None:
            if self.path != "/v1/logs":
                raise ValueError(f"path {self.path}")
            if self.headers.get("Content-Type") != "application/json":
                raise ValueError(f"content type {self.headers.get('Content-Type')}")
            if self.headers.get("Content-Encoding") == "gzip":
                state.stats["gzip"] += 1
                body = gzip.decompress(body)
            doc = json.loads(body)
            hex_ids_to_base64(doc)
            req = ExportLogsServiceRequest()
            json_format.ParseDict(doc, req)  # strict: unknown fields fail
            with open(state.args.out, "a", encoding="utf-8") as out:
                for rl in req.resource_logs:
                    resource = {
                        kv.key: any_value(kv.value) for kv in rl.resource.attributes
                    }
                    for sl in rl.scope_logs:
                        for r in sl.log_records:
                            rec = {
                                "resource": resource,
                                "scope": sl.scope.name,
                                "time_unix_nano": r.time_unix_nano,
                                "severity_number": r.severity_number,
                                "severity_text": r.severity_text,
                                "body": any_value(r.body),
                                "attributes": {
                                    kv.key: any_value(kv.value) for kv in r.attributes
                                },
                                "trace_id": r.trace_id.hex(),
                                "span_id": r.span_id.hex(),
                            }
                            out.write(json.dumps(rec) + "\n")

    return Handler


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--stats", required=True)
    p.add_argument("--fail", type=int, default=0)
    args = p.parse_args()
    state = State(args)
    state.save()
    server = HTTPServer(("127.0.0.1", 0), handler(state))
    tmp = Path(args.port_file + ".tmp")
    tmp.write_text(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
