// Which codec connect-es will serialise a unary call's response with: protobuf binary
// (toBinary) or JSON (toJson). Decided as connect-es decides it: by the request's content type
// for each protocol, and by the `encoding` query parameter for Connect GET requests.
import type { HandlerContext } from "@connectrpc/connect";
import { parseContentType as parseConnect } from "@connectrpc/connect/protocol-connect";
import { parseContentType as parseGrpc } from "@connectrpc/connect/protocol-grpc";
import { parseContentType as parseGrpcWeb } from "@connectrpc/connect/protocol-grpc-web";

/** True when the response goes out as protobuf binary; false for JSON or anything not recognised. */
export function answersInBinary(ctx: HandlerContext): boolean {
  if (ctx.protocolName === "connect" && ctx.requestMethod === "GET") {
    return new URL(ctx.url, "http://localhost").searchParams.get("encoding") === "proto";
  }
  const contentType = ctx.requestHeader.get("content-type");
  switch (ctx.protocolName) {
    case "connect":
      return parseConnect(contentType)?.binary === true;
    case "grpc":
      return parseGrpc(contentType)?.binary === true;
    case "grpc-web":
      return parseGrpcWeb(contentType)?.binary === true;
    default:
      return false;
  }
}
