import { useLayoutEffect } from "react";
import type { Theme } from "./bindings/Settings";

const DARK_QUERY = "(prefers-color-scheme: dark)";

/** Applies the theme to the document, following the OS live when the setting is "system". */
export function useTheme(theme: Theme) {
  // Before paint, so a dark-theme user never sees a white flash.
  useLayoutEffect(() => {
    const root = document.documentElement;
    if (theme !== "system") {
      root.dataset.theme = theme;
      return;
    }
    const query = typeof window.matchMedia === "function" ? window.matchMedia(DARK_QUERY) : null;
    const apply = () => {
      root.dataset.theme = query?.matches ? "dark" : "light";
    };
    apply();
    query?.addEventListener("change", apply);
    return () => query?.removeEventListener("change", apply);
  }, [theme]);
}
