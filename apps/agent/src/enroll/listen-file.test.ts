// listen.json from `enroll`: a plain restart (no SYSWARD_LISTEN) opens the enrolled listener;
// the environment still wins; a broken file is a config error that says what to do.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dataDirWith(listenJson: string | null): string {
  const d = mkdtempSync(join(tmpdir(), "sysward-listen-"));
  dirs.push(d);
  if (listenJson !== null) writeFileSync(join(d, "listen.json"), listenJson);
  return d;
}
const enrolled = { listen: "0.0.0.0:7443", cert: "tls/agent.crt", key: "tls/agent.key", clientCa: "tls/client-ca.crt", crl: "tls/crl.pem", agentId: "box-1" };

describe("the enrolled listener (listen.json)", () => {
  it("is used when SYSWARD_LISTEN is not set, with paths relative to the data dir", () => {
    const d = dataDirWith(JSON.stringify(enrolled));
    expect(loadConfig({ SYSWARD_DATA_DIR: d }).listen).toEqual({
      host: "0.0.0.0",
      port: 7443,
      certPath: join(d, "tls/agent.crt"),
      keyPath: join(d, "tls/agent.key"),
      clientCaPath: join(d, "tls/client-ca.crt"),
      crlPath: join(d, "tls/crl.pem"),
    });
  });

  it("gives way to SYSWARD_LISTEN and SYSWARD_TLS_*", () => {
    const d = dataDirWith(JSON.stringify(enrolled));
    const listen = loadConfig({ SYSWARD_DATA_DIR: d, SYSWARD_LISTEN: "127.0.0.1:9000", SYSWARD_TLS_CERT: "/c", SYSWARD_TLS_KEY: "/k", SYSWARD_TLS_CLIENT_CA: "/ca" }).listen;
    expect(listen).toEqual({ host: "127.0.0.1", port: 9000, certPath: "/c", keyPath: "/k", clientCaPath: "/ca", crlPath: undefined });
  });

  it("is absent for an agent that never enrolled", () => {
    expect(loadConfig({ SYSWARD_DATA_DIR: dataDirWith(null) }).listen).toBeUndefined();
  });

  it("refuses a broken file with a reason", () => {
    expect(() => loadConfig({ SYSWARD_DATA_DIR: dataDirWith("{") })).toThrow(ConfigError);
    expect(() => loadConfig({ SYSWARD_DATA_DIR: dataDirWith("{") })).toThrow(/listen\.json is not valid JSON/);
    expect(() => loadConfig({ SYSWARD_DATA_DIR: dataDirWith(JSON.stringify({ ...enrolled, key: undefined })) })).toThrow(/needs "listen", "cert", "key" and "clientCa"/);
    expect(() => loadConfig({ SYSWARD_DATA_DIR: dataDirWith(JSON.stringify({ ...enrolled, listen: "nowhere" })) })).toThrow(/listen\.json: "listen" must be host:port/);
  });
});
