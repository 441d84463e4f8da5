import { useRef, type KeyboardEvent } from "react";

const KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case".split(" "),
);
const BUILTINS = new Set("print len range sum min max abs round sorted list dict set tuple str int float bool open enumerate zip map filter isinstance type".split(" "));

type Token = { kind: "keyword" | "builtin" | "string" | "comment" | "number" | "plain"; text: string };

/** Splits Python source into coloured tokens: enough for reading code, not a parser. */
export function tokenize(code: string): Token[] {
  const pattern = /(#[^\n]*)|("""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?)|(\b\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)/g;
  const tokens: Token[] = [];
  let last = 0;
  for (const match of code.matchAll(pattern)) {
    const index = match.index ?? 0;
    if (index > last) tokens.push({ kind: "plain", text: code.slice(last, index) });
    const [text, comment, string, number, word] = match;
    const kind = comment ? "comment" : string ? "string" : number ? "number"
      : word && KEYWORDS.has(word) ? "keyword" : word && BUILTINS.has(word) ? "builtin" : "plain";
    tokens.push({ kind, text });
    last = index + text.length;
  }
  if (last < code.length) tokens.push({ kind: "plain", text: code.slice(last) });
  return tokens;
}

/**
 * A code editor: a transparent textarea over a highlighted copy of its text, so typing,
 * selection, undo and screen readers are the browser's own. Tab inserts four spaces;
 * Ctrl+Enter (⌘+Enter) runs.
 */
export function CodeEditor({ value, onChange, onRun, label }: { value: string; onChange: (code: string) => void; onRun: () => void; label: string }) {
  const highlight = useRef<HTMLPreElement>(null);
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onRun();
    } else if (event.key === "Tab" && !event.shiftKey) {
      event.preventDefault();
      const area = event.currentTarget;
      const { selectionStart, selectionEnd } = area;
      onChange(value.slice(0, selectionStart) + "    " + value.slice(selectionEnd));
      requestAnimationFrame(() => area.setSelectionRange(selectionStart + 4, selectionStart + 4));
    }
  };
  return (
    <div className="code-editor">
      <pre ref={highlight} aria-hidden="true">
        {tokenize(value).map((token, i) => (
          <span key={i} className={`tok-${token.kind}`}>{token.text}</span>
        ))}
        {"\n"}
      </pre>
      <textarea
        id="sandbox-code"
        aria-label={label}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={onKeyDown}
        onScroll={(event) => {
          if (highlight.current) {
            highlight.current.scrollTop = event.currentTarget.scrollTop;
            highlight.current.scrollLeft = event.currentTarget.scrollLeft;
          }
        }}
      />
    </div>
  );
}
