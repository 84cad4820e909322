import "server-only";
// The console's certificate authority signs with the openssl command: @peculiar/x509 needs a
// Reflect metadata polyfill (tsyringe) that is not installed, and Node's crypto can parse
// certificates but not make them. Keys are made with Node's crypto; openssl only signs.
import { execFile } from "node:child_process";

const TIMEOUT_MS = 15_000;

export class OpensslError extends Error {}

export function openssl(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("openssl", args, { cwd, timeout: TIMEOUT_MS }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        return reject(new OpensslError("the console runs its certificate authority with the openssl command, which is not installed (apt-get install openssl)"));
      }
      reject(new OpensslError(`openssl ${args[0]} failed: ${stderr.trim().split("\n").slice(-3).join(" ") || err.message}`));
    });
  });
}
