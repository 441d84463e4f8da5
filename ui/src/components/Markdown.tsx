// Markdown as the models write it (headings, lists, tables, code blocks, emphasis), rendered
// to React elements. No HTML string is ever injected, so a model's answer cannot run script
// in the app; links show their address instead of navigating the app's window away.
import { Fragment, type ReactNode } from "react";

type Block =
  | { kind: "heading"; level: number; text: string }
  | { kind: "code"; language: string; text: string }
  | { kind: "list"; ordered: boolean; items: string[] }
  | { kind: "table"; header: string[]; rows: string[][] }
  | { kind: "paragraph"; text: string };

const cells = (line: string) =>
  line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((cell) => cell.trim());
const isTableRule = (line: string) => /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line);
const listItem = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/;

/** Splits Markdown into blocks. An unclosed code fence (mid-stream) runs to the end. */
export function parseBlocks(markdown: string): Block[] {
  const lines = markdown.replace(/\r\n/g, "\n").split("\n");
  const at = (index: number) => lines[index] ?? "";
  const startsTable = (index: number) => at(index).includes("|") && index + 1 < lines.length && isTableRule(at(index + 1));
  const blocks: Block[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = at(index);
    const fence = /^\s*```\s*([\w+-]*)/.exec(line);
    if (fence) {
      const body: string[] = [];
      index += 1;
      while (index < lines.length && !/^\s*```/.test(at(index))) body.push(at(index++));
      index += 1;
      blocks.push({ kind: "code", language: fence[1] ?? "", text: body.join("\n") });
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      blocks.push({ kind: "heading", level: (heading[1] ?? "#").length, text: heading[2] ?? "" });
      index += 1;
      continue;
    }
    if (startsTable(index)) {
      const header = cells(line);
      const rows: string[][] = [];
      index += 2;
      while (index < lines.length && at(index).includes("|") && at(index).trim() !== "") rows.push(cells(at(index++)));
      blocks.push({ kind: "table", header, rows });
      continue;
    }
    const item = listItem.exec(line);
    if (item) {
      const ordered = item[2] !== undefined;
      const items: string[] = [];
      while (index < lines.length) {
        const next = listItem.exec(at(index));
        if (next && (next[2] !== undefined) === ordered) {
          items.push(next[3] ?? "");
        } else if (at(index).startsWith("  ") && items.length > 0 && at(index).trim() !== "") {
          items[items.length - 1] += ` ${at(index).trim()}`;
        } else {
          break;
        }
        index += 1;
      }
      blocks.push({ kind: "list", ordered, items });
      continue;
    }
    if (line.trim() === "") {
      index += 1;
      continue;
    }
    const paragraph: string[] = [];
    while (
      index < lines.length &&
      at(index).trim() !== "" &&
      !/^\s*```/.test(at(index)) &&
      !/^#{1,6}\s/.test(at(index)) &&
      !listItem.test(at(index)) &&
      !startsTable(index)
    ) {
      paragraph.push(at(index++));
    }
    blocks.push({ kind: "paragraph", text: paragraph.join("\n") });
  }
  return blocks;
}

const inlinePattern = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*)|(\[[^\]]+\]\([^)\s]+\))/g;

/** Inline code, bold, emphasis and links within one block of text. */
function inline(text: string): ReactNode[] {
  const nodes: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(inlinePattern)) {
    const start = match.index ?? 0;
    if (start > last) nodes.push(text.slice(last, start));
    const token = match[0];
    const key = `${start}`;
    if (match[1]) nodes.push(<code key={key}>{token.slice(1, -1)}</code>);
    else if (match[2]) nodes.push(<strong key={key}>{inline(token.slice(2, -2))}</strong>);
    else if (match[3]) nodes.push(<em key={key}>{inline(token.slice(1, -1))}</em>);
    else {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token);
      nodes.push(
        <span key={key} className="md-link" title={link?.[2]}>
          {link?.[1]} <span className="muted">({link?.[2]})</span>
        </span>,
      );
    }
    last = start + token.length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

const numeric = (text: string) => /^[-+]?[$¥€]?[\d,]+(\.\d+)?( ?[%A-Za-z/-]*)?$/.test(text.trim());

/** Renders `text` (Markdown) as the app's own elements. */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      {parseBlocks(text).map((block, index) => {
        switch (block.kind) {
          case "heading": {
            // Answers sit inside the page: their headings start below the page's own.
            const Tag = `h${Math.min(6, block.level + 2)}` as "h3";
            return <Tag key={index}>{inline(block.text)}</Tag>;
          }
          case "code":
            return (
              <pre key={index} className="code-block" data-language={block.language || undefined}>
                <code>{block.text}</code>
              </pre>
            );
          case "list": {
            const items = block.items.map((item, itemIndex) => <li key={itemIndex}>{inline(item)}</li>);
            return block.ordered ? <ol key={index}>{items}</ol> : <ul key={index}>{items}</ul>;
          }
          case "table":
            return (
              <table key={index} className="md-table">
                <thead>
                  <tr>{block.header.map((cell, cellIndex) => <th key={cellIndex} scope="col">{inline(cell)}</th>)}</tr>
                </thead>
                <tbody>
                  {block.rows.map((row, rowIndex) => (
                    <tr key={rowIndex}>
                      {row.map((cell, cellIndex) => (
                        <td key={cellIndex} className={numeric(cell) ? "number" : undefined}>{inline(cell)}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          case "paragraph":
            return (
              <p key={index}>
                {block.text.split("\n").map((line, lineIndex) => (
                  <Fragment key={lineIndex}>
                    {lineIndex > 0 && <br />}
                    {inline(line)}
                  </Fragment>
                ))}
              </p>
            );
        }
      })}
    </div>
  );
}
