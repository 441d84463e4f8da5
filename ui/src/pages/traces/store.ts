// The Traces page's state, kept outside the page so that switching pages and back keeps the
// selected session, trace and span, the filters, the collapsed spans and the waterfall's
// scroll. One store per backend (a WeakMap), like the chat's and sandbox's stores, so each
// component test starts from nothing while the app keeps one.
import { EMPTY_FILTER, type TraceFilter, type TracesApi } from "./types";

export interface TracesState {
  filter: TraceFilter;
  /** "" = all sessions; otherwise a session id (or "none" for traces without one). */
  selectedSession: string;
  selectedTrace: string | null;
  selectedSpan: string | null;
  collapsed: ReadonlySet<string>;
  waterfallScroll: number;
  /** When the selected trace was opened from a Chat answer (ms): it may still be being written. */
  openedFromChatAt: number | null;
}

type Listener = () => void;

export class TracesStore {
  private state: TracesState = {
    filter: EMPTY_FILTER,
    selectedSession: "",
    selectedTrace: null,
    selectedSpan: null,
    collapsed: new Set(),
    waterfallScroll: 0,
    openedFromChatAt: null,
  };
  private listeners = new Set<Listener>();

  getState = (): TracesState => this.state;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  update(change: Partial<TracesState>): void {
    this.state = { ...this.state, ...change };
    for (const listener of this.listeners) listener();
  }

  /** Scroll is remembered without re-rendering (it changes on every scroll event). */
  rememberScroll(top: number): void {
    this.state.waterfallScroll = top;
  }

  toggleCollapsed(spanId: string): void {
    const next = new Set(this.state.collapsed);
    if (next.has(spanId)) next.delete(spanId);
    else next.add(spanId);
    this.update({ collapsed: next });
  }
}

const stores = new WeakMap<TracesApi, TracesStore>();

export function tracesStoreFor(api: TracesApi): TracesStore {
  let store = stores.get(api);
  if (!store) {
    store = new TracesStore();
    stores.set(api, store);
  }
  return store;
}
