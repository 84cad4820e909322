import "server-only";
// Learns how a forwarded write ended, for the audit log, from the response as it passes by:
// HTTP status; gRPC status in headers (trailers-only) or in the gRPC-Web trailer frame; the
// Connect error JSON (unary) or end-stream message (streaming). Keeps at most a small tail.

export interface RpcOutcome {
  ok: boolean;
  /** Connect code name ("permission_denied") or "http_<status>" when the protocol says nothing more. */
  code: string;
  message: string;
}

const GRPC_CODE_NAMES = [
  "ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
  "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range",
  "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated",
];

const KEEP_BYTES = 64 * 1024;

export class RpcOutcomeRecorder {
  private chunks: Uint8Array[] = [];
  private kept = 0;
  private truncated = false;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.kept += chunk.byteLength;
    // Trailers and error bodies sit at the end: drop old chunks past the limit.
    while (this.kept - (this.chunks[0]?.byteLength ?? 0) >= KEEP_BYTES && this.chunks.length > 1) {
      this.kept -= this.chunks.shift()!.byteLength;
      this.truncated = true;
    }
  }

  outcome(status: number, headers: Headers): RpcOutcome {
    const contentType = headers.get("content-type") ?? "";
    const headerStatus = headers.get("grpc-status");
    if (headerStatus !== null) return grpcOutcome(Number(headerStatus), decodeURIComponent(headers.get("grpc-message") ?? ""));
    const body = Buffer.concat(this.chunks);
    if (contentType.startsWith("application/grpc-web")) {
      const trailer = lastFrame(body, 0x80, this.truncated);
      if (trailer) {
        const fields = parseTrailer(trailer.toString("utf8"));
        return grpcOutcome(Number(fields.get("grpc-status") ?? 2), decodeURIComponent(fields.get("grpc-message") ?? ""));
      }
    } else if (contentType.startsWith("application/connect+")) {
      const end = lastFrame(body, 0x02, this.truncated);
      if (end) {
        try {
          const parsed = JSON.parse(end.toString("utf8")) as { error?: { code?: string; message?: string } };
          if (parsed.error) return { ok: false, code: parsed.error.code ?? "unknown", message: parsed.error.message ?? "" };
          return { ok: true, code: "ok", message: "" };
        } catch {
          /* fall through to the HTTP status */
        }
      }
    } else if (status !== 200 && contentType.startsWith("application/json")) {
      try {
        const parsed = JSON.parse(body.toString("utf8")) as { code?: string; message?: string };
        return { ok: false, code: parsed.code ?? `http_${status}`, message: parsed.message ?? "" };
      } catch {
        /* fall through */
      }
    }
    return status === 200 ? { ok: true, code: "ok", message: "" } : { ok: false, code: `http_${status}`, message: "" };
  }
}

function grpcOutcome(status: number, message: string): RpcOutcome {
  return status === 0 ? { ok: true, code: "ok", message: "" } : { ok: false, code: GRPC_CODE_NAMES[status] ?? "unknown", message };
}

/** The payload of the last enveloped frame (5-byte prefix: flags, length) if its flags include `flag`. */
function lastFrame(body: Buffer, flag: number, truncated: boolean): Buffer | null {
  if (!truncated) {
    let last: { flags: number; payload: Buffer } | null = null;
    for (let at = 0; at + 5 <= body.length; ) {
      const len = body.readUInt32BE(at + 1);
      if (at + 5 + len > body.length) return null;
      last = { flags: body[at]!, payload: body.subarray(at + 5, at + 5 + len) };
      at += 5 + len;
    }
    return last && (last.flags & flag) === flag ? last.payload : null;
  }
  // The head was dropped: find a frame that ends exactly where the body ends.
  for (let at = Math.max(0, body.length - KEEP_BYTES); at + 5 <= body.length; at++) {
    if ((body[at]! & flag) === flag && at + 5 + body.readUInt32BE(at + 1) === body.length) return body.subarray(at + 5);
  }
  return null;
}

function parseTrailer(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) fields.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return fields;
}
