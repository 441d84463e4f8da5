"""boto3's `bedrock-agentcore` client timing `executeCode` against a self-hosted Code
Interpreter data plane (`agentdesk serve`), the anchor of tests/benches/interpreter.rs.

Usage: python interpreter_boto3.py ENDPOINT_URL IDENTIFIER WARM_UP

Starts one session, runs `x = 0`, then WARM_UP unmeasured `x += 1` calls, and prints
{"ready": true, "session": ID}. Then, for each line N read from standard input, it times N
`x += 1` calls (the request and reading its whole event stream, with time.perf_counter) and
prints {"latencies_ms": [...]}. At the end of input it prints {"x": X} (what `print(x)` says:
every call ran once) and stops the session. Each answer is one JSON line on standard output;
a call answered with an error stops the script with the answer on standard error.
"""

import json
import sys
import time

import boto3
from botocore.config import Config

endpoint, identifier, warm_up = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = boto3.client(
    "bedrock-agentcore",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="AKIDEXAMPLE",
    aws_secret_access_key="x",
    config=Config(retries={"total_max_attempts": 1}),
)
session = client.start_code_interpreter_session(
    codeInterpreterIdentifier=identifier, name="bench-boto3", sessionTimeoutSeconds=3600
)["sessionId"]


def execute(code):
    """One executeCode call, its event stream read to the end; returns the result events."""
    answer = client.invoke_code_interpreter(
        codeInterpreterIdentifier=identifier,
        sessionId=session,
        name="executeCode",
        arguments={"code": code, "language": "python"},
    )
    results = [event["result"] for event in answer["stream"] if "result" in event]
    if not results or any(result.get("isError") for result in results):
        sys.exit(f"executeCode {code!r} failed: {results}")
    return results


def say(value):
    print(json.dumps(value), flush=True)


execute("x = 0")
for _ in range(warm_up):
    execute("x += 1")
say({"ready": True, "session": session})

for line in sys.stdin:
    count = int(line)
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        execute("x += 1")
        latencies.append((time.perf_counter() - started) * 1000.0)
    say({"latencies_ms": latencies})

printed = execute("print(x)")[-1]["structuredContent"]["stdout"]
say({"x": int(printed)})
client.stop_code_interpreter_session(codeInterpreterIdentifier=identifier, sessionId=session)
