// The fleet page in a real Chromium (Debian's, as the e2e suite runs it): how long from navigation
// start to the first paint, the first contentful paint and the fleet's summary showing every
// machine, and how long from an order at the simulator (a service failing, a machine crashing,
// each undone) to the page's summary counts showing it. One clock: the page stamps what it sees
// with performance.timeOrigin + performance.now() (wall time in ms), the benchmark stamps its
// order with Date.now() just before sending it.
import { chromium, type Browser, type Page } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from "../../e2e/support/chromium";

export type FleetOrder = "fail" | "recover" | "down" | "up";

export interface FleetPageLoad {
  firstPaintMs: number;
  firstContentfulPaintMs: number;
  /** Navigation start → the summary says every machine is there and up, and a page of cards is drawn. */
  listedMs: number;
}

export interface FleetPageTimes {
  loads: FleetPageLoad[];
  /** From the order to the first animation frame after the DOM showed it. */
  shown: Record<FleetOrder, number[]>;
}

export interface FleetPageOptions {
  baseUrl: string;
  /** `sysward_session=…` of a logged-in user. */
  cookie: string;
  /** Every machine the console watches (simulated + its local agent). */
  machines: number;
  simulated: number;
  loads: number;
  trials: number;
  order: (what: FleetOrder, i: number) => Promise<void>;
  sleep: (ms: number) => Promise<void>;
}

// Runs in the page before its own scripts: a MutationObserver on the whole document answers
// "when did this element's text first read so", with the first frame after that moment.
const WATCHER = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  const paints = {};
  new PerformanceObserver((l) => { for (const e of l.getEntries()) paints[e.name] = e.startTime; }).observe({ type: "paint", buffered: true });
  const waits = new Set();
  const check = () => {
    for (const w of [...waits]) {
      if (!w.holds()) continue;
      waits.delete(w);
      const dom = now();
      requestAnimationFrame(() => w.resolve({ dom, frame: now() }));
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  const text = (id) => document.querySelector('[data-testid="' + id + '"]')?.textContent ?? null;
  const armed = new Map();
  let next = 0;
  window.__fleetBench = {
    paints,
    // Armed before the order is sent, so the page cannot see the change before it watches for it.
    arm(want) {
      const holds = () => Object.entries(want).every(([id, t]) => (t === "*" ? document.querySelector('[data-testid="' + id + '"]') !== null : text(id) === t));
      const id = ++next;
      armed.set(id, new Promise((resolve) => { waits.add({ holds, resolve }); check(); }));
      return id;
    },
    seen(id, timeoutMs) {
      const p = armed.get(id);
      armed.delete(id);
      return Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error("not shown within " + timeoutMs + " ms")), timeoutMs))]);
    },
  };
})();`;

type Want = Record<string, string>;
interface Seen {
  dom: number;
  frame: number;
}

/** Starts watching the page for `want`; the returned function waits for it. */
async function arm(page: Page, want: Want, timeoutMs: number): Promise<() => Promise<Seen>> {
  const id = await page.evaluate(`window.__fleetBench.arm(${JSON.stringify(want)})`) as number;
  return () =>
    page.evaluate(`window.__fleetBench.seen(${id}, ${timeoutMs})`).then(
      (s) => s as Seen,
      (err: unknown) => Promise.reject(new Error(`${JSON.stringify(want)}: ${err instanceof Error ? err.message : String(err)}`)),
    );
}

async function until(page: Page, want: Want, timeoutMs: number): Promise<Seen> {
  return (await arm(page, want, timeoutMs))();
}

const settledWant = (machines: number): Want => ({
  "fleet-count": `${machines} machines`,
  "fleet-count-up": `${machines} up`,
  "fleet-count-down": "0 down",
  "fleet-failed-total": "0 failed services",
});

export async function measureFleetPage(o: FleetPageOptions): Promise<FleetPageTimes> {
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const [name, value] = o.cookie.split("=", 2) as [string, string];
    await context.addCookies([{ name, value, url: o.baseUrl }]);
    await context.addInitScript(WATCHER);
    const page = await context.newPage();
    const all = settledWant(o.machines);
    const loads: FleetPageLoad[] = [];
    for (let k = 0; k < o.loads; k++) {
      await page.goto(`${o.baseUrl}/`, { waitUntil: "commit" });
      const seen = await until(page, { ...all, "fleet-grid": "*" }, 60_000);
      const { paints, origin } = (await page.evaluate(`({ paints: window.__fleetBench.paints, origin: performance.timeOrigin })`)) as { paints: Record<string, number>; origin: number };
      loads.push({ firstPaintMs: paints["first-paint"] ?? NaN, firstContentfulPaintMs: paints["first-contentful-paint"] ?? NaN, listedMs: seen.frame - origin });
    }
    const shown: FleetPageTimes["shown"] = { fail: [], recover: [], down: [], up: [] };
    const timed = async (what: FleetOrder, i: number, want: Want, timeoutMs: number) => {
      const seen = await arm(page, want, timeoutMs);
      const t0 = Date.now();
      await o.order(what, i);
      shown[what].push((await seen()).frame - t0);
    };
    for (let k = 0; k < o.trials; k++) {
      // Machines spread through the fleet: most of them are on no page of cards that is drawn.
      const i = Math.floor(((k + 0.5) / o.trials) * o.simulated);
      await until(page, all, 30_000);
      await o.sleep(Math.random() * 1000);
      await timed("fail", i, { "fleet-failed-total": "1 failed service" }, 15_000);
      await timed("recover", i, { "fleet-failed-total": "0 failed services" }, 15_000);
      await o.sleep(Math.random() * 1000);
      await timed("down", i, { "fleet-count-down": "1 down" }, 15_000);
      await timed("up", i, { "fleet-count-down": "0 down", "fleet-count-up": `${o.machines} up` }, 30_000);
    }
    return { loads, shown };
  } finally {
    await browser.close();
  }
}
