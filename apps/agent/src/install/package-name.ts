import { Code, ConnectError } from "@connectrpc/connect";
import { packageNameProblem } from "@sysward/contract";

/** Throws InvalidArgument unless `name` follows the package-name rule (@sysward/contract). */
export function assertPackageName(name: string): void {
  const problem = packageNameProblem(name);
  if (problem !== null) throw new ConnectError(problem, Code.InvalidArgument);
}
