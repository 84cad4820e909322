// Runs once when the Next server starts: open the DB, register the local agent, create the
// first admin (printing its password once), and hand the agent proxy's routes to the console's
// server (scripts/console-server.mjs), which answers them before Next's router. Node runtime
// only: SQLite and scrypt need Node.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { bootstrapConsole } = await import("./lib/server/bootstrap");
  await bootstrapConsole();
  const { registerProxyNodeRoutes } = await import("./lib/server/agent-proxy/proxy-node-routes");
  registerProxyNodeRoutes();
}
