import { packageNameProblem } from "@sysward/contract";
import { DomainError } from "../domain-error";

/** Throws an invalid-argument DomainError unless `name` follows the package-name rule (@sysward/contract). */
export function assertPackageName(name: string): void {
  const problem = packageNameProblem(name);
  if (problem !== null) throw new DomainError(problem, "invalid-argument");
}
