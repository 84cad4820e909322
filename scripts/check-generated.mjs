// Fails when proto/gen is stale: regenerate, then ask git whether anything changed.
import { execFileSync } from "node:child_process";

execFileSync("npm", ["run", "generate", "--silent"], { stdio: "inherit" });
const changed = execFileSync("git", ["status", "--porcelain", "--", "proto/gen"], { encoding: "utf8" }).trim();
if (changed) {
  console.error(`proto/gen is stale: \`npm run generate\` changed it:\n${changed}\nCommit the regenerated code.`);
  process.exit(1);
}
console.log("proto/gen is up to date with proto/");
