// Runs an agent call and turns its ConnectError into a CliError that says what was being done.
import { ConnectError } from "@connectrpc/connect";
import { fromConnectError } from "../cli-error";
import type { Credentials } from "../config";

export async function rpcErrors<T>(creds: Credentials, doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ConnectError) throw fromConnectError(err, creds.url, doing);
    throw err;
  }
}
