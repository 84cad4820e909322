import { Code, ConnectError } from "@connectrpc/connect";
import type { RuntimeName } from "./runtime";

// One uniform refusal for things a runtime cannot do (Nomad's DriverSignalTaskNotSupported).
export function unsupported(runtime: RuntimeName, what: string): ConnectError {
  return new ConnectError(`the ${runtime} runtime does not support ${what}`, Code.Unimplemented);
}
