/** A nanosecond duration as milliseconds, or seconds above ten seconds. */
export function formatMs(ns: number): string {
  const ms = ns / 1e6;
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(ms >= 1 ? 1 : 2)} ms`;
}

/** A cost in US dollars, or "—" when unknown (the caller shows why). */
export function formatCost(usd: number | null): string {
  if (usd === null) return "—";
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** A unix-nanosecond time as the local date and time. */
export function formatTime(ns: number, locale: string): string {
  return new Date(ns / 1e6).toLocaleString(locale);
}
