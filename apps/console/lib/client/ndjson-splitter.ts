// Splits a growing text stream into complete lines. XMLHttpRequest exposes the response as one
// growing string (responseText), so the caller feeds only the new part each time.
export class NdjsonSplitter {
  private partial = "";

  /** Returns the complete, non-blank lines that `chunk` finished; keeps any unfinished tail. */
  push(chunk: string): string[] {
    const text = this.partial + chunk;
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    return parts.map((l) => l.replace(/\r$/, "")).filter((l) => l.trim() !== "");
  }

  /** At end of stream: the last line if the server did not end it with a newline. */
  flush(): string[] {
    const rest = this.partial.replace(/\r$/, "");
    this.partial = "";
    return rest.trim() === "" ? [] : [rest];
  }
}
