import { DomainError } from "../domain-error";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readManifest } from "./manifest";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "sysward-manifest-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (v: unknown) => writeFileSync(join(dir, "sysward.json"), typeof v === "string" ? v : JSON.stringify(v));

async function refusal(): Promise<string> {
  const err = await readManifest(dir).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).kind).toBe("invalid-argument");
  return (err as DomainError).message;
}

describe("sysward.json", () => {
  it("is optional", async () => {
    expect(await readManifest(dir)).toBeUndefined();
  });

  it("parses exec, args, env and a probe, normalising exec", async () => {
    write({ exec: "./bin/server", args: ["-port", "8080"], env: { MODE: "prod" }, health: { http: "http://127.0.0.1:8080/healthz" } });
    expect(await readManifest(dir)).toEqual({
      exec: "bin/server",
      args: ["-port", "8080"],
      env: { MODE: "prod" },
      health: { http: "http://127.0.0.1:8080/healthz" },
    });
  });

  it("takes resource limits for runtimes that enforce them, and refuses nonsense", async () => {
    write({ exec: "srv", limits: { memoryMaxBytes: 256 * 1024 * 1024, cpuQuotaPercent: 50 } });
    expect((await readManifest(dir))?.limits).toEqual({ memoryMaxBytes: 256 * 1024 * 1024, cpuQuotaPercent: 50 });
    write({ exec: "srv", limits: { memoryMaxBytes: 10 } });
    await expect(readManifest(dir)).rejects.toThrow(/memoryMaxBytes must be at least 1 MiB/);
    write({ exec: "srv", limits: { cpuQuota: 50 } });
    await expect(readManifest(dir)).rejects.toThrow(/cpuQuota/);
  });

  it("fills defaults", async () => {
    write({ exec: "srv", health: { tcp: "127.0.0.1:9000" } });
    expect(await readManifest(dir)).toEqual({ exec: "srv", args: [], env: {}, health: { tcp: "127.0.0.1:9000" } });
  });

  it.each([
    [{}, /exec/],
    [{ exec: "" }, /exec/],
    [{ exec: "srv", Exec: "x" }, /Exec/],
    [{ exec: "srv", args: "-v" }, /args/],
    [{ exec: "srv", env: { "BAD-NAME": "1" } }, /env/],
    [{ exec: "srv", health: { http: "ftp://x/" } }, /http/],
    [{ exec: "srv", health: { tcp: "nope" } }, /host:port/],
    [{ exec: "srv", health: { http: "http://a/", tcp: "a:1" } }, /not both/],
    [{ exec: "../../bin/sh" }, /escapes/],
    [{ exec: "/bin/sh" }, /absolute/],
  ])("refuses %j", async (m, message) => {
    write(m);
    expect(await refusal()).toMatch(message);
  });

  it("refuses invalid JSON and a manifest that is not a file", async () => {
    write("{ exec: ");
    expect(await refusal()).toMatch(/not valid JSON/);
    rmSync(join(dir, "sysward.json"));
    mkdirSync(join(dir, "sysward.json"));
    expect(await refusal()).toMatch(/not a regular file/);
  });
});
