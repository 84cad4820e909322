// What each benchmark hands back: its Markdown (tables, notes) and its verdicts against its
// targets, printed as it finishes and collected into RESULTS.md.

export interface Verdict {
  benchmark: string;
  target: string;
  /** The measured figure, as shown. */
  figure: string;
  /** undefined: reported only, no target. */
  met?: boolean;
}

export interface Section {
  id: string;
  title: string;
  /** Markdown: what was measured and how, tables, notes. */
  body: string;
  verdicts: Verdict[];
}

export function verdictMark(v: Verdict): string {
  return v.met === undefined ? "reported" : v.met ? "**met**" : "**MISSED**";
}
