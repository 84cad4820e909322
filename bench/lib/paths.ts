import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = resolve(benchDir, "..");
export const agentDir = resolve(repoRoot, "apps/agent");
export const consoleDir = resolve(repoRoot, "apps/console");
