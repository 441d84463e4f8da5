// The JSON-RPC side of the hand-written test servers (misbehaving.mjs, price-list.mjs):
// newline-delimited messages on stdin/stdout, the handshake, ping and tools/list, with each
// server's tools/call (and notifications) left to it.
import { createInterface } from "node:readline";

/** Writes one message. */
export const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");
/** Answers request `id` with `result`. */
export const answer = (id, result) => send({ jsonrpc: "2.0", id, result });

/**
 * Serves `tools` as `name`; `call(id, toolName, args, progressToken)` answers tools/call and
 * `notified(method, params)` sees every notification.
 */
export function serve({ name, tools, call, notified = () => {} }) {
  createInterface({ input: process.stdin }).on("line", (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    const { id, method, params } = message;
    if (id === undefined) return notified(method, params);
    switch (method) {
      case "initialize":
        return answer(id, {
          protocolVersion: params?.protocolVersion ?? "2025-06-18",
          capabilities: { tools: {} },
          serverInfo: { name, version: "0.1.0" },
        });
      case "ping":
        return answer(id, {});
      case "tools/list":
        return answer(id, { tools });
      case "tools/call":
        return call(id, params?.name, params?.arguments ?? {}, params?._meta?.progressToken);
      default:
        return send({ jsonrpc: "2.0", id, error: { code: -32601, message: `no method ${method}` } });
    }
  });
}
