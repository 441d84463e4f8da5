import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { useT } from "../../i18n";
import type { SpanView } from "./types";
import { formatMs } from "./format";

/** Every row's height in pixels (Traces.css `.wf-row`): fixed, so only the rows in view are drawn. */
export const ROW_HEIGHT = 24;
/** Rows drawn above and below the visible ones, so fast scrolling shows no gaps. */
const OVERSCAN = 20;
/** Rows drawn before the panel's height is known (the first frame, or a test without layout). */
const FIRST_WINDOW = 60;

/** A span placed in the tree: its depth and whether it has children. */
export interface Row {
  span: SpanView;
  depth: number;
  hasChildren: boolean;
}

/**
 * The spans in tree order (children by start time under their parent), skipping the children
 * of collapsed spans. A span whose parent is not in the trace is shown as a root.
 */
export function visibleRows(spans: SpanView[], collapsed: ReadonlySet<string>): Row[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, SpanView[]>();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : null;
    const list = children.get(parent);
    if (list) list.push(span);
    else children.set(parent, [span]);
  }
  for (const list of children.values()) list.sort((a, b) => a.startNs - b.startNs);
  const rows: Row[] = [];
  // Iterative depth-first walk: a deep trace must not overflow the call stack.
  const stack: { span: SpanView; depth: number }[] = [...(children.get(null) ?? [])].reverse().map((span) => ({ span, depth: 0 }));
  while (stack.length > 0) {
    const { span, depth } = stack.pop()!;
    const kids = children.get(span.spanId) ?? [];
    rows.push({ span, depth, hasChildren: kids.length > 0 });
    if (!collapsed.has(span.spanId)) {
      for (const kid of [...kids].reverse()) stack.push({ span: kid, depth: depth + 1 });
    }
  }
  return rows;
}

/** The span tree with a timing bar per span, positioned relative to the whole trace. */
export function Waterfall({
  spans,
  collapsed,
  selected,
  initialScroll,
  onSelect,
  onToggle,
  onScroll,
}: {
  spans: SpanView[];
  collapsed: ReadonlySet<string>;
  selected: string | null;
  initialScroll: number;
  onSelect: (spanId: string) => void;
  onToggle: (spanId: string) => void;
  onScroll: (top: number) => void;
}) {
  const t = useT();
  const rows = useMemo(() => visibleRows(spans, collapsed), [spans, collapsed]);
  // A loop, not Math.min(...spread): a spread of many thousand spans can overflow the stack.
  const [start, end] = useMemo(() => spans.reduce(([lo, hi], s) => [Math.min(lo, s.startNs), Math.max(hi, s.endNs)], [Infinity, -Infinity]), [spans]);
  const total = Math.max(end - start, 1);
  const scroller = useRef<HTMLDivElement>(null);
  // The scrolled-to window: only these rows are in the DOM, so a 1,000-span trace costs what
  // one screenful costs.
  const [view, setView] = useState({ top: initialScroll, height: 0 });
  // A row to focus once it has been drawn (keyboard moves may scroll to a row not drawn yet).
  const focusPending = useRef<string | null>(null);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    element.scrollTop = initialScroll;
    setView({ top: element.scrollTop, height: element.clientHeight });
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => setView({ top: element.scrollTop, height: element.clientHeight }));
    observer?.observe(element);
    return () => observer?.disconnect();
    // Only when mounted (the page keys it by trace): afterwards the user's scrolling is the truth.
  }, []);

  useEffect(() => {
    const id = focusPending.current;
    if (id === null) return;
    const element = scroller.current?.querySelector<HTMLElement>(`[data-span-id="${id}"]`);
    if (element) {
      element.focus({ preventScroll: true });
      focusPending.current = null;
    }
  });

  const firstDrawn = Math.max(0, Math.floor(view.top / ROW_HEIGHT) - OVERSCAN);
  const lastDrawn = Math.min(rows.length, view.height > 0 ? Math.ceil((view.top + view.height) / ROW_HEIGHT) + OVERSCAN : firstDrawn + FIRST_WINDOW);

  const drawn = rows.slice(firstDrawn, lastDrawn);
  // Roving focus: one row is in the Tab order, the selected one when drawn, else the first drawn.
  const tabbable = drawn.some((row) => row.span.spanId === selected) ? selected : (drawn[0]?.span.spanId ?? null);

  const focusRow = (index: number) => {
    const target = Math.max(0, Math.min(rows.length - 1, index));
    const row = rows[target];
    const element = scroller.current;
    if (!row) return;
    // Scroll just enough for the row to be in view.
    if (element) {
      const rowTop = target * ROW_HEIGHT;
      if (rowTop < element.scrollTop) element.scrollTop = rowTop;
      else if (rowTop + ROW_HEIGHT > element.scrollTop + element.clientHeight && element.clientHeight > 0) element.scrollTop = rowTop + ROW_HEIGHT - element.clientHeight;
      // Without a laid-out height (no layout yet) the drawn window simply starts at the row.
      setView({ top: element.clientHeight > 0 ? element.scrollTop : rowTop, height: element.clientHeight });
    }
    focusPending.current = row.span.spanId;
    onSelect(row.span.spanId);
  };

  const onKey = (event: KeyboardEvent<HTMLDivElement>, index: number, row: Row) => {
    const collapsedNow = collapsed.has(row.span.spanId);
    switch (event.key) {
      case "ArrowDown":
        focusRow(index + 1);
        break;
      case "ArrowUp":
        focusRow(index - 1);
        break;
      case "Home":
        focusRow(0);
        break;
      case "End":
        focusRow(rows.length - 1);
        break;
      case "ArrowRight":
        if (row.hasChildren && collapsedNow) onToggle(row.span.spanId);
        else focusRow(index + 1);
        break;
      case "ArrowLeft":
        if (row.hasChildren && !collapsedNow) onToggle(row.span.spanId);
        else {
          const parent = rows.findIndex((r) => r.span.spanId === row.span.parentSpanId);
          if (parent >= 0) focusRow(parent);
        }
        break;
      case "Enter":
      case " ":
        onSelect(row.span.spanId);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  return (
    <div
      className="waterfall"
      ref={scroller}
      onScroll={(e) => {
        const { scrollTop, clientHeight } = e.currentTarget;
        onScroll(scrollTop);
        setView({ top: scrollTop, height: clientHeight });
      }}
    >
      <div
        role="tree"
        aria-label={t("traces.waterfall")}
        data-testid="waterfall"
        data-row-count={rows.length}
        style={{ paddingTop: firstDrawn * ROW_HEIGHT, paddingBottom: (rows.length - lastDrawn) * ROW_HEIGHT }}
      >
        {drawn.map((row, offset) => {
          const index = firstDrawn + offset;
          const { span } = row;
          const left = ((span.startNs - start) / total) * 100;
          const width = Math.max(((span.endNs - span.startNs) / total) * 100, 0.3);
          const isSelected = span.spanId === selected;
          return (
            <div
              key={span.spanId}
              role="treeitem"
              aria-level={row.depth + 1}
              aria-selected={isSelected}
              aria-expanded={row.hasChildren ? !collapsed.has(span.spanId) : undefined}
              tabIndex={span.spanId === tabbable ? 0 : -1}
              data-span-id={span.spanId}
              data-span-name={span.name}
              className={`wf-row${isSelected ? " selected" : ""}${span.status === "error" ? " error" : ""}`}
              onClick={() => onSelect(span.spanId)}
              onKeyDown={(e) => onKey(e, index, row)}
            >
              <div className="wf-name" style={{ paddingInlineStart: `${row.depth * 14 + 4}px` }}>
                {row.hasChildren ? (
                  <button
                    type="button"
                    className="wf-toggle"
                    tabIndex={-1}
                    aria-label={collapsed.has(span.spanId) ? t("traces.expand") : t("traces.collapse")}
                    onClick={(e) => {
                      e.stopPropagation();
                      onToggle(span.spanId);
                    }}
                  >
                    {collapsed.has(span.spanId) ? "▸" : "▾"}
                  </button>
                ) : (
                  <span className="wf-toggle-space" />
                )}
                <span className="wf-label" title={span.name}>{span.name}</span>
              </div>
              <div className="wf-track">
                <div className="wf-bar" style={{ left: `${left}%`, width: `${width}%` }} />
                <span className="wf-duration">{formatMs(span.endNs - span.startNs)}</span>
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}
