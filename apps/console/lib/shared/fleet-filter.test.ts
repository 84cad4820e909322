import { parseSelector } from "@sysward/contract";
import { describe, expect, it } from "vitest";
import { filterMachines, fleetCounts, fleetServices } from "./fleet-filter";
import type { MachineService, MachineState } from "./fleet-types";

const svc = (name: string, state: MachineService["state"], version = "1-aaaaaaaa"): MachineService => ({ name, state, version, since: null, restarts: 0, detail: "", phase: "", enabled: true });

function machine(id: string, o: Partial<MachineState>): MachineState {
  return { id, name: id.toUpperCase(), address: "unix:///x", labels: {}, reach: "up", since: 0, reason: "", info: null, perf: null, services: [], failed: 0, spark: [], sparkT: 0, ...o };
}

const fleet = [
  machine("web1", { labels: { env: "prod", role: "web" }, services: [svc("nginx", "running"), svc("app", "failed", "2-bbbbbbbb")], failed: 1 }),
  machine("web2", { labels: { env: "prod", role: "web" }, services: [svc("nginx", "running"), svc("app", "running", "2-bbbbbbbb")] }),
  machine("db1", { labels: { env: "prod", role: "db" }, reach: "down", services: [svc("postgres", "running")] }),
  machine("lab", { labels: { env: "dev" }, reach: "connecting" }),
];
const ids = (ms: Array<{ id?: string; agentId?: string }>) => ms.map((m) => m.agentId ?? m.id);

describe("filterMachines", () => {
  it("by selector, state and search, all at once", () => {
    expect(ids(filterMachines(fleet, {}))).toEqual(["web1", "web2", "db1", "lab"]);
    expect(ids(filterMachines(fleet, { selector: parseSelector("env=prod,role!=db") }))).toEqual(["web1", "web2"]);
    expect(ids(filterMachines(fleet, { state: "down" }))).toEqual(["db1"]);
    expect(ids(filterMachines(fleet, { state: "failing" }))).toEqual(["web1"]);
    expect(ids(filterMachines(fleet, { search: "WEB" }))).toEqual(["web1", "web2"]);
    expect(ids(filterMachines(fleet, { search: "web", state: "up", selector: parseSelector("!canary") }))).toEqual(["web1", "web2"]);
  });
});

describe("fleetServices", () => {
  it("lists every service on every matching machine, by name then machine", () => {
    expect(fleetServices(fleet, {}).map((s) => `${s.name}@${s.agentId}`)).toEqual(["app@web1", "app@web2", "nginx@web1", "nginx@web2", "postgres@db1"]);
    expect(ids(fleetServices(fleet, { state: "failed" }))).toEqual(["web1"]);
    expect(fleetServices(fleet, { version: "2-" }).map((s) => s.name)).toEqual(["app", "app"]);
    expect(fleetServices(fleet, { name: "GIN", selector: parseSelector("role=web") }).map((s) => s.agentId)).toEqual(["web1", "web2"]);
    expect(fleetServices(fleet, { name: "postgres" })[0]).toMatchObject({ agentName: "DB1", reach: "down" });
  });
});

it("fleetCounts", () => {
  expect(fleetCounts(fleet)).toEqual({ machines: 4, up: 2, down: 1, connecting: 1, failedServices: 1, machinesFailing: 1 });
});
