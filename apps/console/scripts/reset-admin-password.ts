// `npm run reset-admin-password`: a new random password for `admin` (or SYSWARD_ADMIN_PASSWORD),
// printed once; admin's sessions end and its API tokens are revoked. Run where the console's data dir is (same env as the console).
import { audit } from "../lib/server/audit/audit-log";
import { randomPassword } from "../lib/server/auth/passwords";
import { resetAdminPassword } from "../lib/server/auth/users";
import { getConfig } from "../lib/server/config";

const password = process.env.SYSWARD_ADMIN_PASSWORD || randomPassword();
await resetAdminPassword(password);
audit({ actor: { username: "operator (reset-admin-password)" }, address: null, action: "user.password-reset", target: "admin", result: "ok" });
console.log(`Sysward console: log in as admin with password ${password}   (data dir ${getConfig().dataDir})`);
