import type { MessageKey } from "./i18n";

/** The app's pages, in sidebar order; Ctrl+1 … Ctrl+7 follow this order. */
export const PAGES = ["chat", "sandbox", "connections", "memory", "traces", "settings", "status"] as const;
export type PageId = (typeof PAGES)[number];

export function pageLabel(page: PageId): MessageKey {
  return `nav.${page}`;
}
