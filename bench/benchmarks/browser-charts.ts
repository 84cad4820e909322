// The agent page's charts in a real Chromium, logged in as admin, against the run's agent and console:
//  - a sample to a pixel: the time from the agent taking a sample (its timestamp) to the live CPU
//    chart having redrawn with it and the frame painted; agent and browser share one clock;
//  - 7 days of history to a drawn chart: from the click on "7 days" to every chart redrawn with the
//    7-day points and the frame painted, with the PerfHistory request's own time in the browser.
// The timing runs inside the page (MutationObserver on the chart, then a frame), so Playwright's
// round trips are not in the figures.
import { chromium, type Page } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from "../../e2e/support/chromium";
import type { BenchContext } from "../lib/context";
import type { Section } from "../lib/report";
import { summarize, type Summary } from "../lib/stats";
import { fmtMs, markdownTable } from "../lib/table";

const SAMPLE_TO_PIXEL_TARGET_MS = 1500;
const HISTORY_CHART_TARGET_MS = 1000;

// In-page code is passed as text: the bench runs through tsx, whose helpers would not exist in the page.
// Resolves with each new sample's lag: its timestamp → the chart's SVG changed after it → painted.
const SAMPLE_LAGS = `(async ({ count, timeoutMs }) => {
  const section = document.querySelector('[data-testid="cpu-chart"]');
  if (!section) throw new Error("no CPU chart on the page");
  const painted = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return await new Promise((resolve, reject) => {
    const lags = [];
    let seen = Number(section.getAttribute("data-last-t") || 0);
    let pending = null;
    const obs = new MutationObserver((records) => {
      const t = Number(section.getAttribute("data-last-t") || 0);
      if (t > seen) { seen = t; pending = t; }
      if (pending === null || !records.some((r) => r.target instanceof SVGElement || r.target.querySelector?.("svg"))) return;
      const sampleMs = pending;
      pending = null;
      void painted().then(() => {
        lags.push(Date.now() - sampleMs);
        if (lags.length === count) { obs.disconnect(); clearTimeout(timer); resolve(lags); }
      });
    });
    obs.observe(section, { subtree: true, attributes: true, childList: true, characterData: true });
    const timer = setTimeout(() => { obs.disconnect(); reject(new Error("only " + lags.length + " of " + count + " samples reached the chart in " + timeoutMs + " ms")); }, timeoutMs);
  });
})`;

// Clicks a range and resolves when every percent chart shows it with points and has redrawn, painted.
const RANGE_DRAWN = `(async ({ range, timeoutMs }) => {
  const charts = () => [...document.querySelectorAll('[data-testid="cpu-chart"], [data-testid="mem-chart"]')];
  const drawn = () => charts().length === 2 && charts().every((c) => c.getAttribute("data-range") === range && Number(c.getAttribute("data-points")) > 0 && c.querySelector("svg .recharts-area-curve"));
  const button = document.querySelector('[data-testid="range-' + range + '"]');
  if (!button) throw new Error("no range button " + range);
  performance.clearResourceTimings();
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const check = () => { if (drawn()) { obs.disconnect(); clearTimeout(timer); resolve(); } };
    const obs = new MutationObserver(check);
    obs.observe(document.querySelector('[data-testid="perf-panel"]'), { subtree: true, attributes: true, childList: true });
    const timer = setTimeout(() => { obs.disconnect(); reject(new Error("range " + range + " not drawn in " + timeoutMs + " ms")); }, timeoutMs);
    button.click();
  });
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const drawnMs = performance.now() - t0;
  const fetches = performance.getEntriesByType("resource").filter((e) => e.name.includes("/PerfHistory"));
  const points = Number(document.querySelector('[data-testid="cpu-chart"]').getAttribute("data-points"));
  return { drawnMs, fetchMs: fetches.length ? fetches[fetches.length - 1].duration : null, points };
})`;

interface RangeDrawn {
  drawnMs: number;
  fetchMs: number | null;
  points: number;
}

export async function browserChartsBench(ctx: BenchContext): Promise<Section> {
  const samples = ctx.quick ? 10 : 30;
  const trials = ctx.quick ? 5 : 12;
  const browser = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const [name, ...rest] = ctx.console.cookie.split("=");
    await context.addCookies([{ name: name!, value: rest.join("="), url: ctx.console.baseUrl }]);
    const page = await context.newPage();
    await page.goto(`${ctx.console.baseUrl}/agents/local`);
    await page.locator('[data-testid="perf-status"][data-status="ok"]').waitFor({ timeout: 30_000 });

    const lags = await evaluate<number[]>(page, SAMPLE_LAGS, { count: samples, timeoutMs: samples * 5000 });
    const lag = summarize(lags);

    const drawn: RangeDrawn[] = [];
    for (let i = 0; i < trials + 1; i++) {
      // Another history range first, so each 7-day trial asks PerfHistory and redraws from scratch.
      await evaluate(page, RANGE_DRAWN, { range: "1h", timeoutMs: 30_000 });
      const r = await evaluate<RangeDrawn>(page, RANGE_DRAWN, { range: "7d", timeoutMs: 30_000 });
      if (i > 0) drawn.push(r); // the first is a warm-up (code and fonts loading)
    }
    const chart = summarize(drawn.map((d) => d.drawnMs));
    const fetched = drawn.flatMap((d) => (d.fetchMs === null ? [] : [d.fetchMs]));
    const fetch = fetched.length ? summarize(fetched) : undefined;
    const points = drawn[0]?.points ?? 0;

    const row = (what: string, s: Summary | undefined, n: number) =>
      s ? [what, n, fmtMs(s.median), fmtMs(s.p99), fmtMs(s.min), fmtMs(s.max)] : [what, 0, "—", "—", "—", "—"];
    return {
      id: "browser-charts",
      title: "The agent page's charts in Chromium",
      body: [
        `Debian's Chromium (headless, Playwright) on \`/agents/local\` as admin, against this run's agent (10 idle services, ` +
          `one sample a second) through the console. **Sample → pixel:** ${samples} consecutive live samples, each timed from the ` +
          `sample's own timestamp (taken by the agent when it read /proc) to the CPU chart's SVG having changed after the chart ` +
          `received it and the next frame having been painted (requestAnimationFrame, then a task). **7 days → chart:** ${trials} ` +
          `trials after a warm-up, each from the click on "7 days" (after "1 hour" was drawn) to both percent charts showing the ` +
          `7-day range with its points, redrawn and painted; the PerfHistory request's own duration is the browser's Resource ` +
          `Timing entry for it (JSON over the console's proxy). The agent's and the proxy's own 7-day times are in the PerfHistory section.`,
        "",
        markdownTable(
          ["what", "n", "median", "p99", "min", "max"],
          [row("sample → pixel, live CPU chart", lag, lags.length), row(`7 d → charts drawn (${points} points)`, chart, drawn.length), row("7 d PerfHistory request in the browser", fetch, fetched.length)],
        ),
      ].join("\n"),
      verdicts: [
        {
          benchmark: "Sample → pixel",
          target: `≤ ${SAMPLE_TO_PIXEL_TARGET_MS / 1000} s from the sample's timestamp, every sample`,
          figure: `max ${fmtMs(lag.max)} (median ${fmtMs(lag.median)}, ${lags.length} samples)`,
          met: lag.max <= SAMPLE_TO_PIXEL_TARGET_MS,
        },
        {
          benchmark: "7 d history → chart",
          target: `drawn < ${HISTORY_CHART_TARGET_MS / 1000} s in Chromium (median)`,
          figure: `${fmtMs(chart.median)} (max ${fmtMs(chart.max)}; request ${fetch ? fmtMs(fetch.median) : "—"})`,
          met: chart.median < HISTORY_CHART_TARGET_MS,
        },
      ],
    };
  } finally {
    await browser.close();
  }
}

async function evaluate<T = unknown>(page: Page, fn: string, arg: unknown): Promise<T> {
  return (await page.evaluate(`(${fn})(${JSON.stringify(arg)})`)) as T;
}
