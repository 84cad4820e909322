// `enroll`, step 2 of adding a machine: get a certificate from the console and save what a plain
// restart needs to open the TCP listener — tls/ (key 0600) and listen.json, listen.json last so a
// half-finished enrollment never switches the listener on.
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadOrCreateToken } from "../lifecycle/data-dir";
import type { EnrollArgs } from "./enroll-args";
import { requestCertificate, type Enrolled } from "./enroll-request";
import { type ListenFile, writeFileWhole, writeListenFile } from "./listen-file";

export interface EnrollResult extends Enrolled {
  listenFile: string;
  tlsDir: string;
}

export async function enrollAgent(args: EnrollArgs, dataDir: string): Promise<EnrollResult> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  // The same token the agent serves with (made here if the agent never ran).
  const agentToken = loadOrCreateToken(join(dataDir, "agent.token"));
  const enrolled = await requestCertificate({ consoleUrl: args.consoleUrl, token: args.token, address: args.address, agentToken, caSha256: args.caSha256 });
  const tlsDir = join(dataDir, "tls");
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  chmodSync(tlsDir, 0o700);
  writeFileWhole(join(tlsDir, "agent.key"), enrolled.keyPem, 0o600);
  writeFileWhole(join(tlsDir, "agent.crt"), enrolled.certPem, 0o644);
  writeFileWhole(join(tlsDir, "client-ca.crt"), enrolled.clientCaCertPem, 0o644);
  writeFileWhole(join(tlsDir, "crl.pem"), enrolled.crlPem, 0o644);
  const listen: ListenFile = {
    listen: args.listen,
    cert: "tls/agent.crt",
    key: "tls/agent.key",
    clientCa: "tls/client-ca.crt",
    crl: "tls/crl.pem",
    consoleUrl: args.consoleUrl,
    agentId: enrolled.agentId,
    enrolledAt: new Date().toISOString(),
  };
  const listenFile = writeListenFile(dataDir, listen);
  return { ...enrolled, listenFile, tlsDir };
}
