// The node flags the agent runs with, in one place: npm start, scripts/start.mjs, the e2e stack,
// the benchmarks, the soak tests, the test agent and the packaging wrapper (written in at build
// time) all take them from here. Plain JS so .mjs launchers can import it.

/** V8 memory flags, for every way of running the agent (bundle or sources under tsx). */
export const agentV8Flags = [
  // A 2 MB young generation: under many streams V8 otherwise grows it and keeps it (bench: agent
  // RSS 90 → 132 MB with 100 WatchPerf watchers, none of it live data).
  "--max-semi-space-size=2",
];

/** Everything before the bundle's path: `node ${agentNodeFlags} dist/agent.mjs`. */
export const agentNodeFlags = ["--enable-source-maps", ...agentV8Flags];
