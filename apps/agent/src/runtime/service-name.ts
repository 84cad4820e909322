import { packageNameProblem } from "@sysward/contract";
import { DomainError } from "../domain-error";

// Callers validate names before they reach a runtime; runtimes check again because the
// name becomes part of file names (pid files, unit names) and must never carry a path.
export function assertServiceName(name: string): void {
  const problem = packageNameProblem(name, "service name");
  if (problem !== null) throw new DomainError(problem, "invalid-argument");
}
