import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseListen } from "./config";

describe("agent config", () => {
  it("runs with zero setup: defaults under the user's data dir", () => {
    const c = loadConfig({ HOME: "/home/ann" });
    expect(c.dataDir).toBe("/home/ann/.local/share/sysward");
    expect(c.socketPath).toBe("/home/ann/.local/share/sysward/agent.sock");
    expect(c.tokenPath).toBe("/home/ann/.local/share/sysward/agent.token");
    expect(c.perfIntervalMs).toBe(1000);
    expect(c.maxPackageBytes).toBe(2 * 1024 ** 3);
    expect(c.defaultHealthSeconds).toBe(30);
    expect(c.installIdleSeconds).toBe(60);
    expect(c.runtime).toBe("auto");
    expect(c.listen).toBeUndefined();
  });

  it("honours XDG_DATA_HOME and SYSWARD_DATA_DIR", () => {
    expect(loadConfig({ HOME: "/h", XDG_DATA_HOME: "/x" }).dataDir).toBe("/x/sysward");
    expect(loadConfig({ HOME: "/h", SYSWARD_DATA_DIR: "/srv/sw" }).socketPath).toBe("/srv/sw/agent.sock");
  });

  it("rejects bad numbers and runtimes with the variable's name", () => {
    expect(() => loadConfig({ SYSWARD_PERF_INTERVAL_MS: "fast" })).toThrow(/SYSWARD_PERF_INTERVAL_MS/);
    expect(() => loadConfig({ SYSWARD_PERF_INTERVAL_MS: "10" })).toThrow(ConfigError);
    expect(() => loadConfig({ SYSWARD_RUNTIME: "docker" })).toThrow(/auto, supervisor or systemd/);
    expect(() => loadConfig({ SYSWARD_INSTALL_IDLE_SECONDS: "0" })).toThrow(/SYSWARD_INSTALL_IDLE_SECONDS/);
  });

  it("parses listen addresses, IPv6 included", () => {
    expect(parseListen("127.0.0.1:7443")).toEqual({ host: "127.0.0.1", port: 7443 });
    expect(parseListen("[::1]:7443")).toEqual({ host: "::1", port: 7443 });
    expect(() => parseListen("7443")).toThrow(ConfigError);
    expect(() => parseListen("host:99999")).toThrow(ConfigError);
  });

  it("never opens TCP without TLS and a client CA", () => {
    expect(() => loadConfig({ SYSWARD_LISTEN: "127.0.0.1:7443", SYSWARD_TLS_CERT: "/c" })).toThrow(/SYSWARD_TLS_KEY, SYSWARD_TLS_CLIENT_CA are not/);
    const c = loadConfig({ SYSWARD_LISTEN: "0.0.0.0:7443", SYSWARD_TLS_CERT: "/c", SYSWARD_TLS_KEY: "/k", SYSWARD_TLS_CLIENT_CA: "/ca" });
    expect(c.listen).toMatchObject({ host: "0.0.0.0", port: 7443, certPath: "/c", keyPath: "/k", clientCaPath: "/ca" });
  });
});
