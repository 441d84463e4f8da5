/** A nanosecond duration as milliseconds, or seconds above ten seconds. */
export function formatMs(ns: number): string {
  const ms = ns / 1e6;
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(ms >= 1 ? 1 : 2)} ms`;
}

/**
 * A cost in US dollars as Rust computed it (a decimal string, at least cents, at most
 * millionths), or "—" when unknown (the caller shows why). Never goes through a float.
 */
export function formatCost(usd: string | null): string {
  return usd === null ? "—" : `$${usd}`;
}

/** A unix-nanosecond time as the local date and time. */
export function formatTime(ns: number, locale: string): string {
  return new Date(ns / 1e6).toLocaleString(locale);
}
