"""The `bedrock-agentcore` SDK's `CodeInterpreter` helpers against a self-hosted data plane.

Usage: BEDROCK_AGENTCORE_DP_ENDPOINT=URL python code_interpreter_sdk.py
(the SDK reads the endpoint when it is imported; credentials come from the environment.)

Prints one JSON object with what each helper returned; the Rust test asserts on it.
"""

import base64
import json

from bedrock_agentcore.tools.code_interpreter_client import CodeInterpreter


def plain(value):
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def results(answer):
    return [event["result"] for event in answer["stream"] if "result" in event]


said = {}
interpreter = CodeInterpreter("us-east-1")
said["session"] = interpreter.start(name="sdk-session", session_timeout_seconds=300)
said["identifier"] = interpreter.identifier
interpreter.upload_file(path="notes/plan.txt", content="estimate: 42 USD\n", description="a note")
interpreter.upload_file(path="raw.bin", content=bytes([0, 159, 146, 150]))
said["download_text"] = plain(interpreter.download_file("notes/plan.txt"))
said["download_binary"] = plain(interpreter.download_file("raw.bin"))
said["download_files"] = plain(interpreter.download_files(["notes/plan.txt", "raw.bin"]))
said["execute"] = results(interpreter.execute_code("total = 6 * 7\nprint(open('notes/plan.txt').read().strip(), total)"))
said["execute_again"] = results(interpreter.execute_code("print(total + 1)"))
said["cleared"] = results(interpreter.execute_code("print('total' in globals())", clear_context=True))
said["command"] = results(interpreter.execute_command("echo hi"))
said["status"] = interpreter.get_session()["status"]
said["stopped"] = interpreter.stop()
print(json.dumps(said))
