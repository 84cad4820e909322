import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CliError } from "./cli-error";
import { configPath, loadCredentials, normalizeConsoleUrl, saveCredentials } from "./config";
import { ExitCode } from "./exit-codes";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sysward-cli-config-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("config file", () => {
  it("lives under XDG_CONFIG_HOME, else ~/.config; a relative XDG_CONFIG_HOME is ignored", () => {
    expect(configPath({ XDG_CONFIG_HOME: "/x/conf", HOME: "/home/u" })).toBe("/x/conf/sysward/cli.json");
    expect(configPath({ HOME: "/home/u" })).toBe("/home/u/.config/sysward/cli.json");
    expect(configPath({ XDG_CONFIG_HOME: "rel/conf", HOME: "/home/u" })).toBe("/home/u/.config/sysward/cli.json");
  });

  it("is written 0600 in a 0700 directory, and read back", () => {
    const env = { XDG_CONFIG_HOME: join(dir, "conf") };
    const path = saveCredentials(env, { url: "http://127.0.0.1:3000", token: "swt_secret" });
    expect(path).toBe(join(dir, "conf", "sysward", "cli.json"));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "conf", "sysward")).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ url: "http://127.0.0.1:3000", token: "swt_secret" });
    expect(loadCredentials(env)).toEqual({ url: "http://127.0.0.1:3000", token: "swt_secret" });
  });

  it("replaces a looser file with a 0600 one", () => {
    const env = { XDG_CONFIG_HOME: dir };
    mkdirSync(join(dir, "sysward"));
    writeFileSync(join(dir, "sysward", "cli.json"), "{}");
    chmodSync(join(dir, "sysward", "cli.json"), 0o644);
    const path = saveCredentials(env, { url: "http://h", token: "t" });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("lets SYSWARD_URL and SYSWARD_TOKEN override the file, each on its own", () => {
    const env: NodeJS.ProcessEnv = { XDG_CONFIG_HOME: dir };
    saveCredentials(env, { url: "http://file:1", token: "file-token" });
    expect(loadCredentials({ ...env, SYSWARD_TOKEN: "env-token" })).toEqual({ url: "http://file:1", token: "env-token" });
    expect(loadCredentials({ ...env, SYSWARD_URL: "http://env:2/" })).toEqual({ url: "http://env:2", token: "file-token" });
    // Both from env: the file is not even read (a broken one does not matter).
    writeFileSync(configPath(env), "not json");
    expect(loadCredentials({ ...env, SYSWARD_URL: "http://env:2", SYSWARD_TOKEN: "e" })).toEqual({ url: "http://env:2", token: "e" });
  });

  it("says how to log in when there is nothing, and exits with the auth code", () => {
    const err = (() => {
      try {
        loadCredentials({ XDG_CONFIG_HOME: dir });
      } catch (e) {
        return e as CliError;
      }
    })();
    expect(err).toBeInstanceOf(CliError);
    expect(err!.exitCode).toBe(ExitCode.Auth);
    expect(err!.message).toMatch(/not logged in: run `sysward login <console-url> --token <token>`/);
  });

  it("reports a broken file as such", () => {
    mkdirSync(join(dir, "sysward"));
    writeFileSync(join(dir, "sysward", "cli.json"), "{broken");
    expect(() => loadCredentials({ XDG_CONFIG_HOME: dir })).toThrow(/cli\.json is not valid JSON/);
  });
});

describe("normalizeConsoleUrl", () => {
  it("keeps scheme, host, port and path, without the trailing slash", () => {
    expect(normalizeConsoleUrl("http://127.0.0.1:3000/")).toBe("http://127.0.0.1:3000");
    expect(normalizeConsoleUrl("https://ops.example.com/sysward/")).toBe("https://ops.example.com/sysward");
  });
  it("refuses credentials, queries and other schemes", () => {
    expect(() => normalizeConsoleUrl("http://u:p@h")).toThrow(/--token/);
    expect(() => normalizeConsoleUrl("http://h/?a=1")).toThrow(/no query/);
    expect(() => normalizeConsoleUrl("unix:///tmp/s")).toThrow(/http:\/\/ or https:\/\//);
  });
});
