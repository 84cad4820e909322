import "server-only";
import type { z } from "zod";
import { HttpError } from "./http-errors";

export class BodyTooLarge extends HttpError {
  constructor(maxBytes: number) {
    super(413, `request body over ${maxBytes} bytes`);
  }
}

/**
 * The body as text, read chunk by chunk and abandoned as soon as it passes `maxBytes`: a chunked
 * body carries no content-length to check first, and req.text() would buffer all of it.
 */
export async function readCappedText(req: Request, maxBytes: number): Promise<string> {
  if (Number(req.headers.get("content-length") ?? 0) > maxBytes) throw new BodyTooLarge(maxBytes);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Parses a small JSON body against a schema; anything else is a 400 with the first problem. */
export async function readJson<T extends z.ZodType>(req: Request, schema: T, maxBytes = 64 * 1024): Promise<z.infer<T>> {
  const text = await readCappedText(req, maxBytes);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, "the request body must be JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(400, issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "invalid request body");
  }
  return parsed.data;
}
