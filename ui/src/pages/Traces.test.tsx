import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { I18nProvider } from "../i18n";
import { TracesPage } from "./Traces";
import { tracesStoreFor } from "./traces/store";
import { visibleRows } from "./traces/Waterfall";
import type { SpanView, TraceDetail, TraceFilter, TracesApi, TraceSummary } from "./traces/types";

// A small realistic turn: the agent, one model call and one tool call that failed once.
// Replaced by the app's in-memory backend once its trace methods exist.
const T0 = 1_764_700_000_000_000_000;
const MS = 1_000_000;
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SESSION = "conv-1";

function span(partial: Partial<SpanView> & Pick<SpanView, "spanId" | "name">): SpanView {
  return {
    parentSpanId: null,
    kind: "internal",
    startNs: T0,
    endNs: T0 + MS,
    status: "unset",
    statusMessage: null,
    attributes: {},
    events: [],
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    ...partial,
  };
}

const SPANS: SpanView[] = [
  span({ spanId: "a000000000000001", name: "invoke_agent agentdesk", endNs: T0 + 120 * MS, attributes: { "gen_ai.operation.name": "invoke_agent", "session.id": SESSION } }),
  span({
    spanId: "a000000000000002",
    parentSpanId: "a000000000000001",
    name: "chat estimator",
    startNs: T0 + 2 * MS,
    endNs: T0 + 40 * MS,
    attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "estimator" },
    inputTokens: 120,
    outputTokens: 30,
  }),
  span({
    spanId: "a000000000000003",
    parentSpanId: "a000000000000001",
    name: "execute_tool calculate",
    startNs: T0 + 45 * MS,
    endNs: T0 + 110 * MS,
    status: "error",
    statusMessage: "division by zero",
    attributes: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "calculate" },
    events: [{ name: "exception", timeNs: T0 + 100 * MS, attributes: { "exception.message": "division by zero" } }],
  }),
];

const SUMMARY: TraceSummary = {
  traceId: TRACE,
  sessionId: SESSION,
  rootName: "invoke_agent agentdesk",
  startNs: T0,
  endNs: T0 + 120 * MS,
  spanCount: 3,
  errorCount: 1,
  inputTokens: 120,
  outputTokens: 30,
  models: [{ model: "estimator", inputTokens: 120, outputTokens: 30, unreportedCalls: 0 }],
  costUsd: null,
  costNote: "estimator is not a Bedrock model id; only Bedrock model prices are in the catalog",
};

function fakeApi(detail: TraceDetail = { summary: SUMMARY, spans: SPANS, costNote: "no price for estimator" }) {
  const calls = { lists: [] as TraceFilter[], exported: [] as string[] };
  const api: TracesApi = {
    tracesSessions: async () => [
      { sessionId: SESSION, title: "2 t3.medium in Tokyo", startNs: T0, endNs: T0 + 120 * MS, traceCount: 1, inputTokens: 120, outputTokens: 30, models: SUMMARY.models, costUsd: null, costNote: SUMMARY.costNote, errorCount: 1 },
    ],
    tracesList: async (filter) => {
      calls.lists.push(filter);
      return filter.sessionId === null || filter.sessionId === SESSION ? [detail.summary] : [];
    },
    traceDetail: async (id) => {
      if (id !== detail.summary.traceId) throw new Error(`no trace ${id}`);
      return detail;
    },
    traceOtlpJson: async (id) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: id }] }] }] }),
    saveFile: async (suggestedName, contentsBase64) => {
      calls.exported.push(JSON.parse(atob(contentsBase64)).resourceSpans[0].scopeSpans[0].spans[0].traceId);
      return `/tmp/${suggestedName}`;
    },
  };
  return { api, calls };
}

function renderPage(api: TracesApi, locale: "en" | "ja" = "en") {
  return render(
    <I18nProvider locale={locale}>
      <TracesPage api={api} />
    </I18nProvider>,
  );
}

async function openTrace(api: TracesApi) {
  const user = userEvent.setup();
  renderPage(api);
  await user.click(await screen.findByRole("button", { name: /2 t3\.medium in Tokyo/ }));
  await user.click(await screen.findByRole("button", { name: /^invoke_agent agentdesk/ }));
  await screen.findByTestId("waterfall");
  return user;
}

describe("the Traces page", () => {
  it("says a trace opened from a Chat answer is still being written, then shows it when it is", async () => {
    const { api } = fakeApi();
    let written = false;
    const notYet: TracesApi = {
      ...api,
      traceDetail: async (id) => {
        if (!written) throw { code: "not_found", message: `no trace ${id} is stored`, key: null };
        return api.traceDetail(id);
      },
    };
    tracesStoreFor(notYet).update({ selectedTrace: TRACE, openedFromChatAt: Date.now() });
    renderPage(notYet);
    expect((await screen.findByTestId("trace-pending")).textContent).toBe("This trace is still being written; it shows here in a moment.");
    expect(screen.queryByRole("alert")).toBeNull();
    written = true;
    expect(await screen.findByRole("tree", {}, { timeout: 3000 })).toBeTruthy();
  });

  it("names a trace that is not stored when it was not just opened from the chat", async () => {
    const { api } = fakeApi();
    const gone: TracesApi = { ...api, traceDetail: async (id) => Promise.reject({ code: "not_found", message: `no trace ${id} is stored`, key: null }) };
    tracesStoreFor(gone).update({ selectedTrace: TRACE, openedFromChatAt: Date.now() - 60_000 });
    renderPage(gone);
    expect(await screen.findByText(`no trace ${TRACE} is stored`, { exact: false })).toBeTruthy();
    expect(screen.queryByTestId("trace-pending")).toBeNull();
  });

  it("goes from a session to its trace's waterfall and a span's details", async () => {
    const { api, calls } = fakeApi();
    const user = await openTrace(api);
    expect(calls.lists.some((f) => f.sessionId === SESSION)).toBe(true);
    const tree = screen.getByRole("tree");
    const names = within(tree).getAllByRole("treeitem").map((row) => row.getAttribute("data-span-name"));
    expect(names).toEqual(["invoke_agent agentdesk", "chat estimator", "execute_tool calculate"]);
    // The trace's totals, with the reason its cost is unknown.
    expect(screen.getByTestId("trace-totals").textContent).toContain("120 in / 30 out tokens");
    expect(screen.getByTestId("trace-totals").textContent).toContain("— (no price for estimator)");

    await user.click(within(tree).getByText("execute_tool calculate"));
    const details = screen.getByTestId("span-details");
    expect(within(details).getByText("gen_ai.tool.name")).toBeTruthy();
    expect(within(details).getByText("division by zero", { selector: ".span-status-message" })).toBeTruthy();
    expect(within(details).getByText("exception").closest("li")?.className).toContain("span-exception");
    expect(within(details).getByTestId("capture-off")).toBeTruthy();
    expect(within(details).getByText(/"gen_ai.tool.name": "calculate"/)).toBeTruthy();
  });

  it("shows captured messages as a chat", async () => {
    const withMessages = SPANS.map((s) =>
      s.name === "chat estimator"
        ? {
            ...s,
            attributes: {
              ...s.attributes,
              "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "2 t3.medium in Tokyo" }] }]),
              "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "About 97 USD a month." }] }]),
            },
          }
        : s,
    );
    const { api } = fakeApi({ summary: SUMMARY, spans: withMessages, costNote: null });
    const user = await openTrace(api);
    await user.click(within(screen.getByRole("tree")).getByText("chat estimator"));
    const details = screen.getByTestId("span-details");
    expect(within(details).getByText("About 97 USD a month.")).toBeTruthy();
    expect(within(details).queryByTestId("capture-off")).toBeNull();
  });

  it("collapses and expands with the keyboard", async () => {
    const { api } = fakeApi();
    const user = await openTrace(api);
    within(screen.getByRole("tree")).getAllByRole("treeitem")[0]?.focus();
    await user.keyboard("{ArrowLeft}");
    expect(within(screen.getByRole("tree")).getAllByRole("treeitem")).toHaveLength(1);
    await user.keyboard("{ArrowRight}");
    expect(within(screen.getByRole("tree")).getAllByRole("treeitem")).toHaveLength(3);
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(screen.getByTestId("span-details").querySelector("h2")?.textContent).toBe("execute_tool calculate");
  });

  it("keeps the selection when the page is left and opened again", async () => {
    const { api } = fakeApi();
    const user = await openTrace(api);
    await user.click(within(screen.getByRole("tree")).getByText("execute_tool calculate"));
    cleanup();
    renderPage(api);
    await waitFor(() => expect(screen.getByTestId("span-details").querySelector("h2")?.textContent).toBe("execute_tool calculate"));
  });

  it("shows spans that arrive while the trace is open", async () => {
    const detail: TraceDetail = { summary: SUMMARY, spans: SPANS.slice(0, 2), costNote: null };
    const { api } = fakeApi(detail);
    await openTrace(api);
    expect(within(screen.getByRole("tree")).getAllByRole("treeitem")).toHaveLength(2);
    detail.spans = SPANS;
    await waitFor(() => expect(within(screen.getByRole("tree")).getAllByRole("treeitem")).toHaveLength(3), { timeout: 3000 });
  });

  it("exports the trace through the backend", async () => {
    const { api, calls } = fakeApi();
    const user = await openTrace(api);
    await user.click(screen.getByRole("button", { name: "Export OTLP JSON" }));
    expect(await screen.findByText(`Trace saved as OTLP JSON: /tmp/trace-${TRACE}.json`)).toBeTruthy();
    expect(calls.exported).toEqual([TRACE]);
  });

  it("says plainly when there are no traces, in Japanese too", async () => {
    const api: TracesApi = { ...fakeApi().api, tracesSessions: async () => [], tracesList: async () => [] };
    renderPage(api, "ja");
    expect((await screen.findByTestId("traces-empty")).textContent).toContain("トレースはまだありません");
  });

  it("puts 1,000 spans in tree order without recursion", () => {
    const many: SpanView[] = [span({ spanId: "r", name: "root" })];
    for (let i = 1; i < 1000; i++) many.push(span({ spanId: `s${i}`, parentSpanId: i === 1 ? "r" : `s${i - 1}`, name: `step ${i}`, startNs: T0 + i }));
    const rows = visibleRows(many, new Set());
    expect(rows).toHaveLength(1000);
    expect(rows[999]?.depth).toBe(999);
    expect(visibleRows(many, new Set(["s500"]))).toHaveLength(501);
  });

  it("draws only the rows in view of a 1,000-span trace", async () => {
    const many: SpanView[] = [span({ spanId: "r", name: "root" })];
    for (let i = 1; i < 1000; i++) many.push(span({ spanId: `s${i}`, parentSpanId: "r", name: `step ${i}`, startNs: T0 + i }));
    const big = { ...SUMMARY, spanCount: 1000 };
    const { api } = fakeApi({ summary: big, spans: many, costNote: null });
    const user = await openTrace(api);
    const tree = screen.getByRole("tree");
    expect(tree.getAttribute("data-row-count")).toBe("1000");
    expect(within(tree).getAllByRole("treeitem").length).toBeLessThan(100);
    // The keyboard reaches the last span, drawing it on the way.
    within(tree).getAllByRole("treeitem")[0]?.focus();
    await user.keyboard("{End}");
    expect(screen.getByTestId("span-details").querySelector("h2")?.textContent).toBe("step 999");
    expect(document.activeElement?.getAttribute("data-span-name")).toBe("step 999");
  });
});

