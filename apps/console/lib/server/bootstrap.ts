import "server-only";
// Runs once when the server starts (instrumentation.ts): checks the configuration, opens and
// migrates the DB, registers the local agent, starts the fleet monitor and the alert engine,
// resumes rollouts, and creates the first admin.
import { listAgents } from "./agents/registry";
import { passwordProblem, randomPassword } from "./auth/passwords";
import { countUsers, createFirstAdmin } from "./auth/users";
import { getConfig } from "./config";
import { getDb } from "./db/database";
import { getAlertEngine } from "./alerts/alerts";
import { getFleetMonitor } from "./fleet/fleet";
import { getLogger } from "./log";
import { getRolloutEngine } from "./rollouts/rollouts";
import { ensureConsoleCa } from "./pki/console-ca";

export async function bootstrapConsole(print: (line: string) => void = (l) => console.log(l)): Promise<void> {
  const config = getConfig();
  getDb();
  await listAgents();
  // Every registered machine watched from now on: the fleet page, the API and the CLI read this.
  getFleetMonitor();
  // Rollouts the DB says were running when the console stopped carry on (or say where they stopped).
  getRolloutEngine();
  // Alert rules evaluated from the monitor's state from now on, whether or not a page is open.
  getAlertEngine();
  // The CA for remote agents. Without it (a damaged pki/ dir, say) the console still runs its
  // local agent; enrollment then fails and says why.
  await ensureConsoleCa().catch((err: unknown) => getLogger().warn({ err }, "the console's certificate authority is not available; remote agents cannot enrol"));
  if (countUsers() > 0) return;
  const fromEnv = config.adminPassword;
  if (fromEnv !== undefined) {
    const problem = passwordProblem(fromEnv);
    if (problem) throw new Error(`SYSWARD_ADMIN_PASSWORD: ${problem}`);
  }
  const password = fromEnv ?? randomPassword();
  if (!(await createFirstAdmin(password))) return;
  // The one place a password is ever printed: to the terminal of whoever started the console,
  // never to the log.
  print(
    fromEnv !== undefined
      ? "Sysward console: log in as admin with the password from SYSWARD_ADMIN_PASSWORD"
      : `Sysward console: log in as admin with password ${password}`,
  );
  getLogger().info({ dbPath: config.dbPath }, "created the first admin account");
}
