// Replaces (or appends) one marked section of a shared Markdown file, leaving every other byte
// alone: bench/RESULTS.md belongs to the benchmarks, and the soak run owns only its section.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const from = text.indexOf(start);
  const to = from === -1 ? -1 : text.indexOf(end, from);
  if (from !== -1 && to !== -1) return text.slice(0, from) + block + text.slice(to + end.length);
  if (from !== -1 || text.includes(end)) throw new Error(`the ${name} markers in the file are unbalanced; fix them by hand`);
  const sep = text === "" ? "" : text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
  return `${text}${sep}${block}\n`;
}

/** The body of one marked section, or undefined when the text has none. */
export function readSection(text: string, name: string): string | undefined {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = from === -1 ? -1 : text.indexOf(end, from);
  return from === -1 || to === -1 ? undefined : text.slice(from + start.length, to).trim();
}

export function writeSection(path: string, name: string, body: string): void {
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  writeFileSync(path, replaceSection(text, name, body));
}
