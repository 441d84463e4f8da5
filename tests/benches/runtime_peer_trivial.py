"""The anchor of `make bench-serve`: AWS's reference Runtime server, `BedrockAgentCoreApp` from
`bedrock-agentcore==1.25.0` (PyPI), serving the most trivial agent there is, the way AWS's
documentation starts one (`app.run()`: uvicorn with the SDK's defaults, one process).

Usage: target/agentcore-venv/bin/python tests/benches/runtime_peer_trivial.py PORT
It listens on 127.0.0.1:PORT and answers every invocation with the prompt it was given.
"""

import sys

from bedrock_agentcore.runtime import BedrockAgentCoreApp

app = BedrockAgentCoreApp()


@app.entrypoint
def invoke(payload):
    """Answers at once: the figures measure the server, not an agent."""
    return {"result": payload.get("prompt", "")}


if __name__ == "__main__":
    app.run(port=int(sys.argv[1]), host="127.0.0.1")
