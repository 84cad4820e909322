// A multipart/form-data body written as a stream: the small fields first (the console's upload
// route needs `name` before the file), then the file read piece by piece, never whole. The exact
// length is known in advance, so the console can refuse an oversized package before any byte.
import { randomBytes } from "node:crypto";

export interface MultipartFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
  /** The file's bytes, read lazily (e.g. fs.createReadStream). */
  open(): AsyncIterable<Uint8Array>;
}

export interface MultipartBody {
  contentType: string;
  contentLength: number;
  /** The body's bytes in order; throws if the file's length differs from `size`. */
  chunks(): AsyncGenerator<Uint8Array>;
}

const CRLF = "\r\n";

/** The HTML spec's escaping for names in Content-Disposition: `"`, CR and LF percent-encoded. */
export function escapeDispositionValue(value: string): string {
  return value.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function randomBoundary(): string {
  return `----sysward${randomBytes(16).toString("hex")}`;
}

export function multipartBody(fields: ReadonlyArray<readonly [string, string]>, file: MultipartFile, boundary = randomBoundary()): MultipartBody {
  const head =
    fields
      .map(([name, value]) => `--${boundary}${CRLF}Content-Disposition: form-data; name="${escapeDispositionValue(name)}"${CRLF}${CRLF}${value}${CRLF}`)
      .join("") +
    `--${boundary}${CRLF}` +
    `Content-Disposition: form-data; name="${escapeDispositionValue(file.field)}"; filename="${escapeDispositionValue(file.filename)}"${CRLF}` +
    `Content-Type: ${file.contentType}${CRLF}${CRLF}`;
  const tail = `${CRLF}--${boundary}--${CRLF}`;
  const headBytes = Buffer.from(head, "utf8");
  const tailBytes = Buffer.from(tail, "utf8");

  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: headBytes.length + file.size + tailBytes.length,
    async *chunks() {
      yield headBytes;
      let read = 0;
      for await (const chunk of file.open()) {
        read += chunk.byteLength;
        if (read > file.size) throw new Error(`${file.filename} grew while it was being uploaded`);
        yield chunk;
      }
      if (read !== file.size) throw new Error(`${file.filename} shrank while it was being uploaded (${read} of ${file.size} bytes)`);
      yield tailBytes;
    },
  };
}
