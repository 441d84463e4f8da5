// Shortening text people read, in any script: cut where a reader would expect a cut (the end
// of a word, or for Japanese and Chinese, which have no spaces, between two characters), never
// inside a word, a surrogate pair or a combined character (emoji with modifiers, kana with
// voicing marks), and say so with an ellipsis.

/** The result of `shorten`: the text to show and whether anything was left out. */
export interface Shortened {
  text: string;
  cut: boolean;
}

const ELLIPSIS = "…";

/** Splits `text` into user-perceived characters (grapheme clusters). */
function graphemes(text: string, locale: string): string[] {
  if (typeof Intl.Segmenter === "function") {
    return [...new Intl.Segmenter(locale, { granularity: "grapheme" }).segment(text)].map((part) => part.segment);
  }
  // Code points at least: never half of a surrogate pair.
  return Array.from(text);
}

/** Word boundaries of `text` as offsets into it (ends of words and of the spaces after them). */
function wordEnds(text: string, locale: string): number[] {
  if (typeof Intl.Segmenter !== "function") {
    return [...text.matchAll(/\s+/g)].map((space) => space.index);
  }
  return [...new Intl.Segmenter(locale, { granularity: "word" }).segment(text)].map((part) => part.index + part.segment.length);
}

/**
 * `text` cut to at most `limit` characters (grapheme clusters) plus an ellipsis. The cut is
 * at the last word boundary within the limit (Intl.Segmenter knows Japanese words); when that
 * would drop more than a third of the limit (one very long word, a URL), at the last whole
 * character instead. Trailing spaces and punctuation before the ellipsis are dropped.
 */
export function shorten(text: string, limit: number, locale = "en"): Shortened {
  const characters = graphemes(text, locale);
  if (characters.length <= limit) return { text, cut: false };
  const hardEnd = characters.slice(0, limit).join("").length;
  const boundary = wordEnds(text, locale)
    .filter((end) => end <= hardEnd)
    .reduce((best, end) => Math.max(best, end), 0);
  const end = boundary >= (hardEnd * 2) / 3 ? boundary : hardEnd;
  const kept = text.slice(0, end).replace(/[\s\p{P}]+$/u, "");
  return { text: `${kept === "" ? text.slice(0, hardEnd) : kept}${ELLIPSIS}`, cut: true };
}
