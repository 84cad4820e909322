import { DomainError } from "../domain-error";

// Callers validate names before they reach a runtime; runtimes check again because the
// name becomes part of file names (pid files, unit names) and must never carry a path.
const NAME = /^[A-Za-z0-9]{1,64}$/;

export function assertServiceName(name: string): void {
  if (!NAME.test(name)) {
    throw new DomainError(`invalid service name ${JSON.stringify(name)}: use 1-64 letters and digits`, "invalid-argument");
  }
}
