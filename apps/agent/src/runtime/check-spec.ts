import { access, constants, stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ServiceSpec } from "./runtime";
import { assertServiceName } from "./service-name";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Refuses a spec that cannot start, before anything running is touched. Both runtimes use it. */
export async function checkSpec(spec: ServiceSpec): Promise<void> {
  assertServiceName(spec.name);
  for (const [key, value] of Object.entries(spec.env)) {
    if (!ENV_NAME.test(key)) {
      throw new ConnectError(`${spec.name}: invalid environment variable name ${JSON.stringify(key)}: use letters, digits and _`, Code.InvalidArgument);
    }
    if (value.includes("\0")) throw new ConnectError(`${spec.name}: environment variable ${key} contains a NUL byte`, Code.InvalidArgument);
  }
  if (spec.args.some((a) => a.includes("\0"))) throw new ConnectError(`${spec.name}: an argument contains a NUL byte`, Code.InvalidArgument);
  if (!isAbsolute(spec.exec) || !isAbsolute(spec.workDir)) {
    throw new ConnectError(`${spec.name}: exec and workDir must be absolute paths`, Code.InvalidArgument);
  }
  const dir = await stat(spec.workDir).catch(() => undefined);
  if (!dir?.isDirectory()) throw new ConnectError(`${spec.name}: working directory ${spec.workDir} does not exist`, Code.FailedPrecondition);
  try {
    await access(spec.exec, constants.X_OK);
  } catch {
    throw new ConnectError(`${spec.name}: ${spec.exec} is missing or not executable`, Code.FailedPrecondition);
  }
}
