// An MCP server (stdio, newline-delimited JSON-RPC) written to misbehave, so tests can show
// that a client or gateway in front of it stays up and answers within its timeout.
//
// Tools: echo (well-behaved, after an unknown notification), hang (says it started, as a
// progress notification when the call carries a token, and never answers), crash (the
// process exits), flood (floods stdout and stderr with garbage and never answers), huge (a
// 30 MB result), garbage (answers with a line that is not JSON), cancellations (the reasons of
// the notifications/cancelled received so far; with {"text": "wait:WORDS"} it answers only
// once a reason contains WORDS, so a test can wait for a cancellation without polling).
import { answer, send, serve } from "./stdio-server.mjs";

const tools = ["echo", "hang", "crash", "flood", "huge", "garbage", "cancellations"].map((name) => ({
  name,
  description: `misbehaving test tool: ${name}`,
  inputSchema: { type: "object", properties: { text: { type: "string" } } },
}));

const cancellations = [];
// Calls waiting for a cancellation: [id, words its reason must contain].
const waitingForCancellations = [];
const heard = (words) => cancellations.some((reason) => reason.includes(words));
const answerWaiting = () => {
  for (const [index, [id, words]] of [...waitingForCancellations.entries()].reverse()) {
    if (!heard(words)) continue;
    waitingForCancellations.splice(index, 1);
    answer(id, text(JSON.stringify(cancellations)));
  }
};
const text = (value) => ({ content: [{ type: "text", text: value }] });

function flood() {
  const line = "x".repeat(64 * 1024);
  let written = 0;
  const more = () => {
    // Bounded, so a forgotten process cannot fill a disk or spin for ever.
    while (written < 64 * 1024 * 1024) {
      written += line.length;
      process.stderr.write(line + "\n");
      if (!process.stdout.write("not json " + line + "\n")) {
        process.stdout.once("drain", more);
        return;
      }
    }
  };
  more();
}

function call(id, name, args, progressToken) {
  switch (name) {
    case "echo":
      send({ jsonrpc: "2.0", method: "notifications/something_unheard_of", params: { x: 1 } });
      return answer(id, text(args.text ?? ""));
    case "hang":
      if (progressToken !== undefined) {
        send({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken, progress: 0 } });
      }
      return;
    case "crash":
      process.stderr.write("misbehaving: simulated crash\n");
      process.exit(3);
    case "flood":
      return flood();
    case "huge":
      return answer(id, text("y".repeat(30 * 1024 * 1024)));
    case "garbage":
      return process.stdout.write(`{"jsonrpc": "2.0", "id": ${JSON.stringify(id)}, "result": {oops\n`);
    case "cancellations":
      if (args.text?.startsWith("wait:") && !heard(args.text.slice(5))) {
        return waitingForCancellations.push([id, args.text.slice(5)]);
      }
      return answer(id, text(JSON.stringify(cancellations)));
    default:
      return send({ jsonrpc: "2.0", id, error: { code: -32602, message: `unknown tool ${name}` } });
  }
}

serve({
  name: "misbehaving",
  tools,
  call,
  notified: (method, params) => {
    if (method !== "notifications/cancelled") return;
    cancellations.push(params?.reason ?? "");
    answerWaiting();
  },
});
