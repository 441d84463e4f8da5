"""boto3's `bedrock-agentcore` client through a whole Code Interpreter session against a
self-hosted data plane (`agentdesk serve`).

Usage: python code_interpreter_boto3.py ENDPOINT_URL IDENTIFIER

Prints one JSON object with what each step answered; the Rust test asserts on it. Errors
the server raises are recorded as {"error": CODE, "message": ..., "status": ...}.
"""

import base64
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, identifier = sys.argv[1], sys.argv[2]
client = boto3.client(
    "bedrock-agentcore",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="AKIDEXAMPLE",
    aws_secret_access_key="x",
    config=Config(retries={"total_max_attempts": 1}),
)


def plain(value):
    """JSON-friendly: bytes (decoded blobs) as base64, datetimes as ISO 8601."""
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def refused(call):
    """Runs `call`, which must raise; returns what the server said."""
    try:
        answer = call()
        # An invoke refused mid-stream raises while reading the stream.
        if "stream" in answer:
            events = [plain(event) for event in answer["stream"]]
            return {"error": None, "events": events}
        return {"error": None, "answer": plain(answer)}
    except ClientError as error:
        return {
            "error": error.response["Error"]["Code"],
            "message": error.response["Error"]["Message"],
            "status": error.response["ResponseMetadata"].get("HTTPStatusCode"),
        }


said = {}
started = client.start_code_interpreter_session(
    codeInterpreterIdentifier=identifier, name="boto3-session", sessionTimeoutSeconds=600
)
session = started["sessionId"]
said["start"] = plain(started)


def invoke(name, arguments, session_id=None):
    answer = client.invoke_code_interpreter(
        codeInterpreterIdentifier=identifier,
        sessionId=session_id or session,
        name=name,
        arguments=arguments,
    )
    events = [plain(event) for event in answer["stream"]]
    return {"sessionId": answer.get("sessionId"), "events": events}


said["assign"] = invoke("executeCode", {"code": "x = 40", "language": "python"})
said["add"] = invoke("executeCode", {"code": "x += 2\nprint(x)"})
said["raise"] = invoke("executeCode", {"code": "def f():\n    return 1 / 0\nf()"})
said["write"] = invoke(
    "writeFiles",
    {
        "content": [
            {"path": "data/hello.txt", "text": "héllo, desk\n"},
            {"path": "raw.bin", "blob": bytes([0, 1, 2, 255])},
        ]
    },
)
said["read"] = invoke("readFiles", {"paths": ["data/hello.txt", "raw.bin"]})
said["list"] = invoke("listFiles", {"directoryPath": "data"})
said["python_sees_files"] = invoke("executeCode", {"code": "print(open('data/hello.txt').read().strip())"})
said["remove"] = invoke("removeFiles", {"paths": ["raw.bin"]})
said["list_after_remove"] = invoke("listFiles", {"directoryPath": ""})
said["command"] = invoke("executeCommand", {"command": "ls -la"})
said["unknown_tool"] = refused(
    lambda: client.invoke_code_interpreter(
        codeInterpreterIdentifier=identifier, sessionId=session, name="frobnicate", arguments={}
    )
)
said["no_code"] = refused(
    lambda: client.invoke_code_interpreter(
        codeInterpreterIdentifier=identifier, sessionId=session, name="executeCode", arguments={}
    )
)
said["unknown_session"] = refused(
    lambda: client.get_code_interpreter_session(codeInterpreterIdentifier=identifier, sessionId="nosuchsession")
)
said["bad_session_id"] = refused(
    lambda: client.get_code_interpreter_session(codeInterpreterIdentifier=identifier, sessionId="not-an-id")
)
said["get_ready"] = plain(client.get_code_interpreter_session(codeInterpreterIdentifier=identifier, sessionId=session))
said["list_sessions"] = plain(client.list_code_interpreter_sessions(codeInterpreterIdentifier=identifier))
said["list_ready"] = plain(
    client.list_code_interpreter_sessions(codeInterpreterIdentifier=identifier, status="READY", maxResults=5)
)
said["stop"] = plain(client.stop_code_interpreter_session(codeInterpreterIdentifier=identifier, sessionId=session))
said["stop_again"] = plain(
    client.stop_code_interpreter_session(codeInterpreterIdentifier=identifier, sessionId=session)
)
said["get_terminated"] = plain(
    client.get_code_interpreter_session(codeInterpreterIdentifier=identifier, sessionId=session)
)
said["list_terminated"] = plain(
    client.list_code_interpreter_sessions(codeInterpreterIdentifier=identifier, status="TERMINATED")
)
said["invoke_after_stop"] = refused(
    lambda: client.invoke_code_interpreter(
        codeInterpreterIdentifier=identifier, sessionId=session, name="executeCode", arguments={"code": "print(x)"}
    )
)
said["other_identifier"] = refused(
    lambda: client.get_code_interpreter_session(codeInterpreterIdentifier="someone.else", sessionId=session)
)
print(json.dumps(said))
