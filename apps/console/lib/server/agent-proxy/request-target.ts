import "server-only";
// Reads the service name out of a (small, unary) write request so the audit log can say
// "stop web1", whatever protocol and codec the browser used.
import { fromBinary, fromJsonString, type DescMessage } from "@bufbuild/protobuf";

export function targetFromRequest(input: DescMessage, contentType: string, body: Uint8Array): string | null {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  let payload = body;
  let codec: "proto" | "json";
  if (type === "application/proto" || type === "application/json") {
    codec = type === "application/json" ? "json" : "proto";
  } else if (/^application\/(grpc-web|grpc|connect)(\+(proto|json))?$/.test(type)) {
    // Enveloped: flags (1 byte), length (4 bytes), message. Compressed messages are skipped.
    if (body.length < 5 || (body[0]! & 0x01) !== 0) return null;
    const len = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(1);
    payload = body.subarray(5, 5 + len);
    codec = type.endsWith("+json") ? "json" : "proto";
  } else {
    return null;
  }
  try {
    const message = codec === "json" ? fromJsonString(input, new TextDecoder().decode(payload)) : fromBinary(input, payload);
    const name = (message as { name?: unknown }).name;
    return typeof name === "string" && name !== "" ? name : null;
  } catch {
    return null;
  }
}
