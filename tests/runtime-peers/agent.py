"""A small agent on AWS's own Runtime server (`BedrockAgentCoreApp`, bedrock-agentcore 1.25.0),
the peer AgentDesk's remote-agent client is tested against.

The prompt picks the behaviour:
  plain …   a JSON answer echoing the prompt and the runtime session id
  stream …  an async-generator stream: text in several shapes, an item with no text, and a
            pause after the first item until the file named by the payload's "gate" exists
            (so a test can prove the first item arrived before the stream ended)
  raise …   the handler raises: HTTP 500 {"error": …}
  break …   two items, then the generator raises: the SDK's error item ends the stream
  busy …    starts background work tracked with add_async_task, so /ping says HealthyBusy
            until the file named by "gate" exists

Run: python agent.py PORT (binds 127.0.0.1:PORT through app.run; 0 picks a free port).
"""

import asyncio
import os
import sys
import threading
import time

from bedrock_agentcore.runtime import BedrockAgentCoreApp

app = BedrockAgentCoreApp()

# How long a gate is waited for before the agent gives up (a test that never opens it fails
# with a message rather than hanging).
GATE_PATIENCE_SECONDS = 60


def gate_opened(path):
    return bool(path) and os.path.exists(path)


@app.entrypoint
async def invoke(payload, context):
    prompt = payload.get("prompt", "")
    gate = payload.get("gate", "")
    if prompt.startswith("stream"):
        return stream(prompt, gate)
    if prompt.startswith("raise"):
        raise ValueError("計算できません: the handler raised on purpose")
    if prompt.startswith("break"):
        return broken()
    if prompt.startswith("busy"):
        task_id = app.add_async_task("background-estimate", {"gate": gate})

        def work():
            deadline = time.monotonic() + GATE_PATIENCE_SECONDS
            while not gate_opened(gate) and time.monotonic() < deadline:
                time.sleep(0.02)
            app.complete_async_task(task_id)

        threading.Thread(target=work, daemon=True).start()
        return {"result": "background work started"}
    return {"result": f"echo: {prompt}", "session_id": context.session_id}


async def stream(prompt, gate):
    yield "first "
    deadline = time.monotonic() + GATE_PATIENCE_SECONDS
    while gate and not gate_opened(gate):
        if time.monotonic() > deadline:
            raise TimeoutError("the test never opened the gate")
        await asyncio.sleep(0.02)
    yield {"delta": "second "}
    yield {"toolUse": {"name": "get_price", "input": {"service": "AmazonEC2"}}}
    yield {"event": {"contentBlockDelta": {"delta": {"text": "third "}}}}
    yield {"text": prompt}


async def broken():
    yield "partial "
    yield {"delta": "answer"}
    raise RuntimeError("モデルが応答しません (the model stopped answering)")


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    # At "info" uvicorn says "Uvicorn running on http://127.0.0.1:PORT" once it accepts
    # connections (with the port it chose when given 0): the line tests wait for.
    # The SDK binds 0.0.0.0 when it thinks it runs in a container (/.dockerenv): a test peer
    # stays on loopback.
    app.run(port=port, host="127.0.0.1", log_level="info")
