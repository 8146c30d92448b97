"""Measures a Lambda function's init time: from process start to its first request to the Lambda
Runtime API (GET /2018-06-01/runtime/invocation/next), which a local stand-in serves.

usage: runtime_api_standin.py BINARY RUNS  -> prints one init time in milliseconds per line
"""
import http.server
import os
import socket
import subprocess
import sys
import threading
import time

binary, runs = sys.argv[1], int(sys.argv[2])
arrived = threading.Event()
arrival = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.endswith("/runtime/invocation/next") and not arrived.is_set():
            arrival[0] = time.perf_counter_ns()
            arrived.set()
        # Never answer: the measurement ends at the request.
        time.sleep(5)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]

env = dict(
    os.environ,
    AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}",
    AWS_LAMBDA_FUNCTION_NAME="tasks",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
    AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
    AWS_LAMBDA_LOG_STREAM_NAME="bench",
    AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/tasks",
    AWS_REGION="us-east-1",
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",
    TABLE_NAME="nudge",
    JWT_SECRET_ARN="arn:aws:secretsmanager:us-east-1:123456789012:secret:nudge-jwt",
    RUST_LOG="warn",
)
for _ in range(runs):
    arrived.clear()
    start = time.perf_counter_ns()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not arrived.wait(10):
        proc.kill()
        sys.exit(f"{binary} never asked for an invocation")
    print(f"{(arrival[0] - start) / 1e6:.2f}")
    proc.kill()
    proc.wait()
