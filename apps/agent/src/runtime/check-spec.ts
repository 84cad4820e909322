import { access, constants, stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { DomainError } from "../domain-error";
import type { ServiceSpec } from "./runtime";
import { assertServiceName } from "./service-name";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Refuses a spec that cannot start, before anything running is touched. Both runtimes use it. */
export async function checkSpec(spec: ServiceSpec): Promise<void> {
  assertServiceName(spec.name);
  for (const [key, value] of Object.entries(spec.env)) {
    if (!ENV_NAME.test(key)) {
      throw new DomainError(`${spec.name}: invalid environment variable name ${JSON.stringify(key)}: use letters, digits and _`, "invalid-argument");
    }
    if (value.includes("\0")) throw new DomainError(`${spec.name}: environment variable ${key} contains a NUL byte`, "invalid-argument");
  }
  if (spec.args.some((a) => a.includes("\0"))) throw new DomainError(`${spec.name}: an argument contains a NUL byte`, "invalid-argument");
  if (!isAbsolute(spec.exec) || !isAbsolute(spec.workDir)) {
    throw new DomainError(`${spec.name}: exec and workDir must be absolute paths`, "invalid-argument");
  }
  const dir = await stat(spec.workDir).catch(() => undefined);
  if (!dir?.isDirectory()) throw new DomainError(`${spec.name}: working directory ${spec.workDir} does not exist`, "failed-precondition");
  try {
    await access(spec.exec, constants.X_OK);
  } catch {
    throw new DomainError(`${spec.name}: ${spec.exec} is missing or not executable`, "failed-precondition");
  }
}
