// Lines of a streamed NDJSON answer as they arrive (the upload route writes one JSON object per
// line while the install runs); a line split across network chunks is joined first.
export async function* textLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) !== -1) {
      const line = buffered.slice(0, newline).replace(/\r$/, "");
      buffered = buffered.slice(newline + 1);
      if (line.trim()) yield line;
    }
  }
  buffered += decoder.decode();
  if (buffered.trim()) yield buffered;
}

export async function* ndjsonObjects(body: AsyncIterable<Uint8Array>): AsyncGenerator<Record<string, unknown>> {
  for await (const line of textLines(body)) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`the console sent a line that is not JSON: ${line.slice(0, 120)}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`the console sent a line that is not a JSON object: ${line.slice(0, 120)}`);
    yield value as Record<string, unknown>;
  }
}
