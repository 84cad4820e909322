// Labels on machines and the selector syntax that picks machines by them. One parser and one
// matcher for the console's API and fleet page and for the CLI, so `--selector` means the same
// everywhere. Pure: no I/O.
//
//   selector     = requirement *("," requirement)      empty: every machine
//   requirement  = key "=" value | key "==" value      has the label with this value
//                | key "!=" value                      lacks the label or has another value
//                | key "in" "(" values ")"             has the label with one of the values
//                | key "notin" "(" values ")"          lacks the label or has none of them
//                | key                                 has the label
//                | "!" key                             lacks the label
//   values       = value *("," value)
//
// e.g. `env=prod,role in (web,api)`, `!canary`, `tier!=db`. Spaces around words are ignored.

/** 1–63 characters: letters, digits and `.` `_` `/` `-`, starting and ending with a letter or digit. */
export const LABEL_KEY_RULE = "1–63 letters, digits, '.', '_', '/' or '-', starting and ending with a letter or digit";
/** 0–63 characters: letters, digits and `.` `_` `-`. */
export const LABEL_VALUE_RULE = "at most 63 letters, digits, '.', '_' or '-'";
/** More labels than this on one machine is a database, not a label set. */
export const MAX_LABELS = 64;

const KEY = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^[A-Za-z0-9._-]{0,63}$/;

export function labelKeyProblem(key: string): string | null {
  return KEY.test(key) ? null : `label key ${JSON.stringify(key)} is not ${LABEL_KEY_RULE}`;
}

export function labelValueProblem(value: string): string | null {
  return VALUE.test(value) ? null : `label value ${JSON.stringify(value)} is not ${LABEL_VALUE_RULE}`;
}

export type Requirement =
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

export type Selector = Requirement[];

export class SelectorError extends Error {
  constructor(
    message: string,
    /** Where in the text it went wrong (0-based). */
    readonly position: number,
  ) {
    super(message);
  }
}

type Token = { kind: "word"; text: string; at: number } | { kind: "op"; text: "=" | "==" | "!=" | "!" | "(" | ")" | ","; at: number };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith("==", i) || text.startsWith("!=", i)) {
      out.push({ kind: "op", text: text.slice(i, i + 2) as "==" | "!=", at: i });
      i += 2;
    } else if ("=!(),".includes(c)) {
      out.push({ kind: "op", text: c as "=" | "!" | "(" | ")" | ",", at: i });
      i++;
    } else {
      const m = /^[A-Za-z0-9._/-]+/.exec(text.slice(i));
      if (!m) throw new SelectorError(`unexpected ${JSON.stringify(c)} at ${i + 1}`, i);
      out.push({ kind: "word", text: m[0], at: i });
      i += m[0].length;
    }
  }
  return out;
}

/** Parses a selector; throws SelectorError naming what is wrong and where. */
export function parseSelector(text: string): Selector {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const end = text.length;
  const fail = (what: string, t = peek()): never => {
    throw new SelectorError(`${what} at ${(t?.at ?? end) + 1}${t ? ` (found ${JSON.stringify(t.text)})` : " (end of selector)"}`, t?.at ?? end);
  };
  const key = (): string => {
    const t = peek();
    if (t?.kind !== "word") return fail("expected a label key");
    const problem = labelKeyProblem(t.text);
    if (problem) throw new SelectorError(problem, t.at);
    i++;
    return t.text;
  };
  const value = (): string => {
    const t = peek();
    // An empty value: `key=` followed by the end, a comma or a parenthesis.
    if (t?.kind !== "word") return "";
    const problem = labelValueProblem(t.text);
    if (problem) throw new SelectorError(problem, t.at);
    i++;
    return t.text;
  };
  const isOp = (text: string) => peek()?.kind === "op" && peek()!.text === text;

  const selector: Selector = [];
  if (tokens.length === 0) return selector;
  for (;;) {
    if (isOp("!")) {
      i++;
      selector.push({ key: key(), op: "!exists" });
    } else {
      const k = key();
      const t = peek();
      if (t?.kind === "op" && (t.text === "=" || t.text === "==" || t.text === "!=")) {
        i++;
        selector.push({ key: k, op: t.text === "!=" ? "notin" : "in", values: [value()] });
      } else if (t?.kind === "word" && (t.text === "in" || t.text === "notin")) {
        i++;
        if (!isOp("(")) fail(`expected "(" after ${t.text}`);
        i++;
        const values = [value()];
        while (isOp(",")) {
          i++;
          values.push(value());
        }
        if (!isOp(")")) fail(`expected "," or ")" in the list of values`);
        i++;
        selector.push({ key: k, op: t.text, values });
      } else {
        selector.push({ key: k, op: "exists" });
      }
    }
    if (i === tokens.length) return selector;
    if (!isOp(",")) fail(`expected "," between requirements`);
    i++;
  }
}

export function matchesSelector(labels: Readonly<Record<string, string>>, selector: Selector): boolean {
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case "exists":
        return has;
      case "!exists":
        return !has;
      case "in":
        return has && r.values.includes(labels[r.key]!);
      case "notin":
        return !has || !r.values.includes(labels[r.key]!);
    }
  });
}

/** `key=value` sets, `key-` removes: what `sysward label` takes and the label editor sends. */
export interface LabelEdits {
  set: Record<string, string>;
  remove: string[];
}

/** Parses `key=value` and `key-` words; throws an Error naming the first bad one. */
export function parseLabelEdits(words: readonly string[]): LabelEdits {
  const edits: LabelEdits = { set: {}, remove: [] };
  for (const w of words) {
    const eq = w.indexOf("=");
    if (eq === -1 && w.endsWith("-")) {
      const key = w.slice(0, -1);
      const problem = labelKeyProblem(key);
      if (problem) throw new Error(problem);
      edits.remove.push(key);
      continue;
    }
    if (eq === -1) throw new Error(`${JSON.stringify(w)} is neither key=value (set a label) nor key- (remove one)`);
    const key = w.slice(0, eq);
    const value = w.slice(eq + 1);
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem) throw new Error(problem);
    edits.set[key] = value;
  }
  const both = edits.remove.find((k) => k in edits.set);
  if (both !== undefined) throw new Error(`label ${JSON.stringify(both)} is both set and removed`);
  return edits;
}

/** `env=prod,role=web`, keys in order: how labels are shown in one line. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
}
