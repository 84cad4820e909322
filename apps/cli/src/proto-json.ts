// --json output of agent data: protobuf's canonical JSON mapping (as Connect's JSON encoding and
// `buf curl` print it), with zero values included so scripts can rely on every field being there.
import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

export function protoJson<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>) {
  return toJson(schema, message, { alwaysEmitImplicit: true });
}
