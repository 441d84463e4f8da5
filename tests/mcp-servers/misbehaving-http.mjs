// An MCP server over streamable HTTP written to misbehave, so tests can show that a client in
// front of it answers within its timeout and keeps working. `node misbehaving-http.mjs PORT`
// prints "READY" once listening on 127.0.0.1:PORT/mcp.
//
// Tools: echo (well-behaved), cut (opens the call's event stream, sends a progress
// notification, then closes the connection mid-stream without an answer), garbage (answers
// 200 with a body that is not JSON), hang (never answers), drop (closes the connection before
// any response).
import http from "node:http";

const port = Number(process.argv[2] ?? 0);
const tools = ["echo", "cut", "garbage", "hang", "drop"].map((name) => ({
  name,
  description: `misbehaving HTTP test tool: ${name}`,
  inputSchema: { type: "object", properties: { text: { type: "string" } } },
}));
const sessionId = "misbehaving-http-session";

function json(response, status, body, headers = {}) {
  response.writeHead(status, { "content-type": "application/json", "mcp-session-id": sessionId, ...headers });
  response.end(JSON.stringify(body));
}

function call(request, response, id, name, args) {
  switch (name) {
    case "echo":
      return json(response, 200, { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: args.text ?? "" }] } });
    case "cut":
      response.writeHead(200, { "content-type": "text/event-stream", "mcp-session-id": sessionId });
      response.write(`id: 1\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "started" } })}\n\n`);
      return setTimeout(() => request.socket.destroy(), 50);
    case "garbage":
      response.writeHead(200, { "content-type": "application/json", "mcp-session-id": sessionId });
      return response.end("{oops");
    case "hang":
      return undefined;
    case "drop":
      return request.socket.destroy();
    default:
      return json(response, 200, { jsonrpc: "2.0", id, error: { code: -32602, message: `unknown tool ${name}` } });
  }
}

const server = http.createServer((request, response) => {
  if (request.url !== "/mcp") return json(response, 404, { error: "not found" });
  // No standalone event stream, and no stream resumption: a cut stream stays cut.
  if (request.method !== "POST") {
    response.writeHead(405, { allow: "POST" });
    return response.end();
  }
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    let message;
    try {
      message = JSON.parse(body);
    } catch {
      return json(response, 400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
    }
    const { id, method, params } = message;
    if (id === undefined) {
      response.writeHead(202, { "mcp-session-id": sessionId });
      return response.end();
    }
    switch (method) {
      case "initialize":
        return json(response, 200, {
          jsonrpc: "2.0",
          id,
          result: {
            protocolVersion: params?.protocolVersion ?? "2025-06-18",
            capabilities: { tools: {} },
            serverInfo: { name: "misbehaving-http", version: "0.1.0" },
          },
        });
      case "ping":
        return json(response, 200, { jsonrpc: "2.0", id, result: {} });
      case "tools/list":
        return json(response, 200, { jsonrpc: "2.0", id, result: { tools } });
      case "tools/call":
        return call(request, response, id, params?.name, params?.arguments ?? {});
      default:
        return json(response, 200, { jsonrpc: "2.0", id, error: { code: -32601, message: `no method ${method}` } });
    }
  });
});
server.listen(port, "127.0.0.1", () => console.log("READY"));
