import { describe, expect, it } from "vitest";
import { RpcOutcomeRecorder } from "./rpc-outcome";

const frame = (flags: number, payload: string | Uint8Array) => {
  const bytes = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload);
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
};

function outcomeOf(status: number, headers: Record<string, string>, chunks: Buffer[]) {
  const r = new RpcOutcomeRecorder();
  for (const c of chunks) r.push(c);
  return r.outcome(status, new Headers(headers));
}

describe("RpcOutcomeRecorder", () => {
  it("reads the gRPC-Web trailer frame, even split across chunks", () => {
    const body = Buffer.concat([frame(0, new Uint8Array([8, 1])), frame(0x80, "grpc-status: 5\r\ngrpc-message: no%20package%20named%20x\r\n")]);
    const split = [body.subarray(0, 9), body.subarray(9)];
    expect(outcomeOf(200, { "content-type": "application/grpc-web+proto" }, split)).toEqual({ ok: false, code: "not_found", message: "no package named x" });
    const ok = frame(0x80, "grpc-status: 0\r\n");
    expect(outcomeOf(200, { "content-type": "application/grpc-web+proto" }, [ok]).ok).toBe(true);
  });

  it("prefers a trailers-only grpc-status header", () => {
    expect(outcomeOf(200, { "content-type": "application/grpc-web+proto", "grpc-status": "7", "grpc-message": "denied" }, [])).toEqual({ ok: false, code: "permission_denied", message: "denied" });
  });

  it("reads a Connect unary error body and a Connect end-stream message", () => {
    expect(outcomeOf(404, { "content-type": "application/json" }, [Buffer.from('{"code":"not_found","message":"gone"}')])).toEqual({ ok: false, code: "not_found", message: "gone" });
    expect(outcomeOf(200, { "content-type": "application/proto" }, [Buffer.from([8, 1])]).ok).toBe(true);
    const end = frame(0x02, JSON.stringify({ error: { code: "aborted", message: "busy" } }));
    expect(outcomeOf(200, { "content-type": "application/connect+proto" }, [end])).toEqual({ ok: false, code: "aborted", message: "busy" });
    expect(outcomeOf(200, { "content-type": "application/connect+proto" }, [frame(0, "x"), frame(0x02, "{}")]).ok).toBe(true);
  });

  it("falls back to the HTTP status", () => {
    expect(outcomeOf(503, { "content-type": "text/plain" }, [Buffer.from("down")])).toEqual({ ok: false, code: "http_503", message: "" });
  });

  it("still finds the trailer after a long stream whose head was dropped", () => {
    const chunks = Array.from({ length: 40 }, () => frame(0, Buffer.alloc(4096, 7)));
    chunks.push(frame(0x80, "grpc-status: 10\r\ngrpc-message: busy\r\n"));
    expect(outcomeOf(200, { "content-type": "application/grpc-web" }, chunks)).toEqual({ ok: false, code: "aborted", message: "busy" });
  });
});
