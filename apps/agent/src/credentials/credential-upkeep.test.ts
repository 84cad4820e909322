// CredentialUpkeep against a stand-in console on real HTTP (the real console is exercised in
// apps/console/lib/server/pki/fleet-enrollment.test.ts): whatever comes back is checked before it
// touches the data dir or the listener — a CRL of another CA, a certificate for another key, a
// console that is down each leave every file and the running TLS settings as they were.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger";
import type { TlsMaterial } from "../rpc/server";
import { makeTestPki, type TestPki } from "../rpc/testing/test-pki";
import { CredentialUpkeep } from "./credential-upkeep";

let pki: TestPki;
let console_: { url: string; answer: (body: Record<string, unknown>) => { status: number; json: unknown }; requests: Array<Record<string, unknown>>; close(): Promise<void> };
const dirs: string[] = [];

beforeAll(async () => {
  pki = makeTestPki();
  const state = { answer: (_: Record<string, unknown>) => ({ status: 500, json: {} as unknown }), requests: [] as Array<Record<string, unknown>> };
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      state.requests.push(body);
      const { status, json } = console_.answer(body);
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  console_ = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get answer() {
      return state.answer;
    },
    set answer(f) {
      state.answer = f;
    },
    requests: state.requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
});
afterAll(async () => {
  await console_.close();
  rmSync(pki.dir, { recursive: true, force: true });
});
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  console_.requests.length = 0;
});

/** A data dir as `enroll` leaves it: tls/ files and listen.json naming the console. */
function enrolledDataDir(consoleUrl = console_.url): string {
  const d = mkdtempSync(join(tmpdir(), "sysward-upkeep-"));
  dirs.push(d);
  mkdirSync(join(d, "tls"));
  copyFileSync(pki.server.certPath, join(d, "tls", "agent.crt"));
  copyFileSync(pki.server.keyPath, join(d, "tls", "agent.key"));
  copyFileSync(pki.caPath, join(d, "tls", "client-ca.crt"));
  writeFileSync(join(d, "listen.json"), JSON.stringify({ listen: "127.0.0.1:7443", cert: "tls/agent.crt", key: "tls/agent.key", clientCa: "tls/client-ca.crt", crl: "tls/crl.pem", consoleUrl }));
  writeFileSync(join(d, "tls", "crl.pem"), "-----BEGIN X509 CRL-----\nold\n-----END X509 CRL-----\n");
  return d;
}

/** Every file under the data dir with a hash of its content: "nothing changed" is checked on all of them. */
function snapshot(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(join(d, rel), { withFileTypes: true })) {
      const p = join(rel, e.name);
      if (e.isDirectory()) walk(p);
      else out[p] = createHash("sha256").update(readFileSync(join(d, p))).digest("hex");
    }
  };
  walk("");
  return out;
}

/** renewBeforeDays 0: never due (the test certificates last 2 days, so 30 makes them due). */
function upkeep(dataDir: string, applied: TlsMaterial[], renewBeforeDays = 0) {
  return new CredentialUpkeep({ dataDir, consoleUrl: console_.url, refreshMs: 3_600_000, renewBeforeMs: renewBeforeDays * 86_400_000, logger: createLogger("silent"), apply: (t) => applied.push(t) });
}

describe("a credentials refresh", () => {
  it("proves possession of the current certificate, then writes and applies a good CRL", async () => {
    const crl = readFileSync(pki.crlPath, "utf8");
    console_.answer = () => ({ status: 200, json: { crl } });
    const d = enrolledDataDir();
    const applied: TlsMaterial[] = [];
    const u = upkeep(d, applied);
    await u.refresh();
    expect(console_.requests[0]).toMatchObject({ certificate: readFileSync(pki.server.certPath, "utf8") });
    expect(console_.requests[0]!.publicKey).toBeUndefined(); // not due for renewal
    expect(readFileSync(join(d, "tls", "crl.pem"), "utf8")).toBe(crl);
    expect(applied).toHaveLength(1);
    expect(applied[0]!.crl).toBe(crl);
    expect(u.stats()).toMatchObject({ refreshes: 1, failures: 0, crl: { revoked: 1 } });
    // The same CRL again: nothing to swap in.
    await u.refresh();
    expect(applied).toHaveLength(1);
  });

  it("refuses a CRL signed by another CA and changes nothing", async () => {
    const foreignCrlDir = join(pki.dir, "other-ca");
    const { execFileSync } = await import("node:child_process");
    execFileSync("openssl", ["ca", "-batch", "-config", "ca.cnf", "-gencrl", "-out", "other.crl"], { cwd: foreignCrlDir, stdio: "ignore" });
    console_.answer = () => ({ status: 200, json: { crl: readFileSync(join(foreignCrlDir, "other.crl"), "utf8") } });
    const d = enrolledDataDir();
    const before = snapshot(d);
    const applied: TlsMaterial[] = [];
    await expect(upkeep(d, applied).refresh()).rejects.toThrow(/not signed by .*Sysward Test CA/);
    expect(snapshot(d)).toEqual(before);
    expect(applied).toHaveLength(0);
  });

  it("refuses a renewed certificate for a key it did not ask for, and changes nothing", async () => {
    // The test certificate lasts 2 days: with renewBefore 30 days it is due, so a new key is sent.
    console_.answer = () => ({ status: 200, json: { crl: readFileSync(pki.crlPath, "utf8"), cert: pki.client.cert } });
    const d = enrolledDataDir();
    const before = snapshot(d);
    const applied: TlsMaterial[] = [];
    await expect(upkeep(d, applied, 30).refresh()).rejects.toThrow(/for another key/);
    expect(console_.requests[0]!.publicKey).toMatch(/BEGIN PUBLIC KEY/);
    expect(snapshot(d)).toEqual(before);
    expect(applied).toHaveLength(0);
  });

  it("says why when the console refuses, or cannot be reached, and changes nothing", async () => {
    console_.answer = () => ({ status: 401, json: { error: "certificate 01 was revoked when this machine was removed from the console: enrol it again" } });
    const d = enrolledDataDir();
    const before = snapshot(d);
    await expect(upkeep(d, []).refresh()).rejects.toThrow(/refused \(401\): .*enrol it again/);
    const down = enrolledDataDir("http://127.0.0.1:1");
    await expect(new CredentialUpkeep({ dataDir: down, consoleUrl: "http://127.0.0.1:1", refreshMs: 1000, renewBeforeMs: 0, logger: createLogger("silent"), apply: () => {} }).refresh()).rejects.toThrow(/could not reach the console/);
    expect(snapshot(d)).toEqual(before);
  });
});
