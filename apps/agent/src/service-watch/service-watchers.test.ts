// The fan-out's own rules, driven through its one input (the service list): a slow watcher gets
// each changed service once, as it is when it reads, with a count of what it did not see; the
// list is looked at only while someone watches.
import { describe, expect, it } from "vitest";
import type { ServiceView } from "../install/service-types";
import { ServiceWatchers, type ServiceChanges } from "./service-watchers";

function view(name: string, restarts = 0): ServiceView {
  return { name, state: "running", keptVersions: [], pids: [1], restarts, runtime: "supervisor", phaseDetail: "", stateDetail: "", enabled: true };
}

function hub(services: Map<string, ServiceView>) {
  let looks = 0;
  const w = new ServiceWatchers({
    pollMs: 60_000, // looks come from changed() here, not the clock
    list: async () => {
      looks++;
      return [...services.values()];
    },
  });
  return { w, looks: () => looks };
}

/** The watch's next message (it must have one). */
async function next(it: AsyncGenerator<ServiceChanges>): Promise<ServiceChanges> {
  const r = await it.next();
  if (r.done) throw new Error("the watch ended");
  return r.value;
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe("ServiceWatchers", () => {
  it("gives a slow watcher each changed service once, as it is now, and counts the changes it missed", async () => {
    const services = new Map([["a", view("a")], ["b", view("b")]]);
    const { w } = hub(services);
    const ac = new AbortController();
    const it = w.watch(ac.signal);
    const first = await next(it);
    expect(first.snapshot).toBe(true);
    expect(first.services.map((s) => s.name).sort()).toEqual(["a", "b"]);
    // Five changes to a, one removal of b, while the watcher does not read.
    for (let i = 1; i <= 5; i++) {
      services.set("a", view("a", i));
      w.changed();
      await settle();
    }
    services.delete("b");
    w.changed();
    await settle();
    const later = await next(it);
    expect(later.snapshot).toBe(false);
    expect(later.services).toEqual([view("a", 5)]);
    expect(later.removed).toEqual(["b"]);
    expect(later.coalesced).toBe(4);
    ac.abort();
    expect((await it.next()).done).toBe(true);
    expect(w.stats()).toMatchObject({ active: 0, coalescedTotal: 4 });
  });

  it("does not look at the services while nobody watches", async () => {
    const services = new Map([["a", view("a")]]);
    const { w, looks } = hub(services);
    w.changed();
    await settle();
    expect(looks()).toBe(0);
    const ac = new AbortController();
    const it = w.watch(ac.signal);
    await it.next();
    expect(looks()).toBe(1);
    ac.abort();
    await it.next();
    w.changed();
    await settle();
    expect(looks()).toBe(1);
  });

  it("polls on its own clock for changes nobody announced, and ends every watch on close()", async () => {
    const services = new Map([["a", view("a")]]);
    const w = new ServiceWatchers({ pollMs: 20, list: async () => [...services.values()] });
    const it = w.watch(new AbortController().signal);
    await it.next();
    services.set("a", view("a", 1));
    expect((await next(it)).services).toEqual([view("a", 1)]);
    w.close();
    expect((await it.next()).done).toBe(true);
  });
});
