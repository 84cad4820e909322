import { DomainError } from "../domain-error";
import type { RuntimeName } from "./runtime";

// One uniform refusal for things a runtime cannot do (Nomad's DriverSignalTaskNotSupported).
export function unsupported(runtime: RuntimeName, what: string): DomainError {
  return new DomainError(`the ${runtime} runtime does not support ${what}`, "unimplemented");
}
