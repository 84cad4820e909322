import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { StopServiceRequestSchema } from "@sysward/proto";
import { describe, expect, it } from "vitest";
import { targetFromRequest } from "./request-target";

const msg = create(StopServiceRequestSchema, { name: "web1" });
const envelope = (payload: Uint8Array, flags = 0) => {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
};

describe("targetFromRequest", () => {
  it("reads the name from Connect unary proto and JSON bodies", () => {
    expect(targetFromRequest(StopServiceRequestSchema, "application/proto", toBinary(StopServiceRequestSchema, msg))).toBe("web1");
    expect(targetFromRequest(StopServiceRequestSchema, "application/json; charset=utf-8", Buffer.from(toJsonString(StopServiceRequestSchema, msg)))).toBe("web1");
  });

  it("reads the name from enveloped gRPC-Web bodies", () => {
    expect(targetFromRequest(StopServiceRequestSchema, "application/grpc-web+proto", envelope(toBinary(StopServiceRequestSchema, msg)))).toBe("web1");
    expect(targetFromRequest(StopServiceRequestSchema, "application/grpc-web+json", envelope(Buffer.from(toJsonString(StopServiceRequestSchema, msg))))).toBe("web1");
  });

  it("gives up on compressed, garbled or unknown bodies", () => {
    expect(targetFromRequest(StopServiceRequestSchema, "application/grpc-web+proto", envelope(toBinary(StopServiceRequestSchema, msg), 1))).toBeNull();
    expect(targetFromRequest(StopServiceRequestSchema, "application/json", Buffer.from("{nope"))).toBeNull();
    expect(targetFromRequest(StopServiceRequestSchema, "text/plain", Buffer.from("web1"))).toBeNull();
  });
});
