import { createContext, useContext, type ReactNode } from "react";
import type { Language } from "../bindings/Settings";
import { en, type MessageKey } from "./en";
import { ja } from "./ja";

export type { MessageKey } from "./en";
export type Locale = "en" | "ja";

const catalogs: Record<Locale, Record<MessageKey, string>> = { en, ja };

/** The language to show: the setting, or the OS locale when the setting follows the system. */
export function resolveLocale(setting: Language, osLocale: string | null | undefined): Locale {
  if (setting === "en" || setting === "ja") return setting;
  const tag = osLocale ?? (typeof navigator === "undefined" ? "" : navigator.language);
  return tag.toLowerCase().startsWith("ja") ? "ja" : "en";
}

/** Fills `{name}` placeholders. */
export function format(template: string, params: Record<string, string | number | undefined> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

export type Translate = {
  (key: MessageKey, params?: Record<string, string | number | undefined>): string;
  /** Translates a key built at run time, or returns `undefined` when there is no such key. */
  maybe(key: string, params?: Record<string, string | number | undefined>): string | undefined;
  locale: Locale;
};

export function translator(locale: Locale): Translate {
  const catalog = catalogs[locale];
  const t = ((key: MessageKey, params?: Record<string, string | number | undefined>) =>
    format(catalog[key], params)) as Translate;
  t.maybe = (key, params) =>
    key in catalog ? format(catalog[key as MessageKey], params) : undefined;
  t.locale = locale;
  return t;
}

const I18nContext = createContext<Translate>(translator("en"));

export function I18nProvider({ locale, children }: { locale: Locale; children: ReactNode }) {
  return <I18nContext.Provider value={translator(locale)}>{children}</I18nContext.Provider>;
}

export function useT(): Translate {
  return useContext(I18nContext);
}
