// Stands in for the console, in its own process, for tests that kill it: one HTTP/2 connection
// to the agent's socket, an Install client stream over gRPC in 256 KiB messages (what the
// console's upload route sends: lib/server/upload/install-messages.ts, agent-client.ts), and a
// line on stdout after each message. SIGKILLing this process closes its socket without a word,
// which is all the agent sees of a console that died.
//
// node --import tsx console-stand-in.ts <socket> <token file> <name> <endless|complete>
//   endless:  a package that never finishes arriving ("sent <bytes>" per message)
//   complete: a whole package with a 3 s health window, then "sent all", then waits for the answer
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { createAgentClient } from "../../client/socket-transport";
import { shellBodies, shellServiceZip } from "../../install/testing/package-fixtures";

const [socketPath, tokenFile, name, mode] = process.argv.slice(2);
if (!socketPath || !tokenFile || !name || (mode !== "endless" && mode !== "complete")) {
  process.stderr.write("usage: console-stand-in.ts <socket> <token file> <name> <endless|complete>\n");
  process.exit(2);
}
const CHUNK = 256 * 1024;
const client = createAgentClient(socketPath, readFileSync(tokenFile, "utf8").trim(), "grpc");
const say = (line: string) => process.stdout.write(`${line}\n`);

async function* endless() {
  yield { msg: { case: "header" as const, value: { name: name!, healthSeconds: 0 } } };
  const junk = Buffer.alloc(CHUNK, 0x5a);
  for (let sent = CHUNK; ; sent += CHUNK) {
    yield { msg: { case: "chunk" as const, value: junk } };
    say(`sent ${sent}`);
    await sleep(50);
  }
}

async function* complete() {
  yield { msg: { case: "header" as const, value: { name: name!, healthSeconds: 3 } } };
  const zip = shellServiceZip(name!, shellBodies.steady("from-stand-in"), { extra: [{ name: "pad.bin", data: Buffer.alloc(2 * CHUNK, 1), method: "store" }] });
  for (let i = 0; i < zip.length; i += CHUNK) yield { msg: { case: "chunk" as const, value: zip.subarray(i, i + CHUNK) } };
  say("sent all");
}

client.install(mode === "endless" ? endless() : complete()).then(
  (res) => say(`installed ${res.service?.version?.id}`),
  (err: unknown) => say(`failed ${String(err)}`),
);
