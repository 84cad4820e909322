import "server-only";
// The optional `sizeBytes` form field: the package's length as the client announces it (the
// browser's File.size, the CLI's stat), sent before the file part because a multipart part
// carries no length of its own. It lets the route refuse an oversized package before reading
// it, and lets the agent show "N of M bytes" and refuse early against its own cap.
import { HttpError } from "../http-errors";

/** 2^53: the largest length a JavaScript number (File.size) holds exactly. */
const MAX_DECLARABLE = 2n ** 53n;

/** undefined when the field was not sent (older clients); a 400 HttpError when it is not a length. */
export function parseDeclaredSize(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || BigInt(text) > MAX_DECLARABLE) {
    throw new HttpError(400, `sizeBytes must be the package's length in bytes, digits only, at most ${MAX_DECLARABLE} (got ${JSON.stringify(text.slice(0, 40))})`);
  }
  return Number(text);
}

/** What a declared length that the file part did not match is told as (over: the file was longer). */
export function sizeMismatchMessage(declared: number, received: number, over: boolean): string {
  return over
    ? `the package was declared as ${declared} bytes (sizeBytes) but more arrived (at least ${received}); nothing was installed`
    : `the package was declared as ${declared} bytes (sizeBytes) but ${received} arrived; nothing was installed`;
}
