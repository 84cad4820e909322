#!/usr/bin/env node
// `sysward`: runs the bundle (dist/sysward.mjs, `npm run build -w @sysward/cli`) when it is newer
// than every source file, else the TypeScript sources through tsx (a dev dependency of the repo),
// in this process either way, so signals and the exit code are the CLI's own.
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = new URL("../dist/sysward.mjs", import.meta.url);
const src = fileURLToPath(new URL("../src", import.meta.url));

function newestSourceMs() {
  if (!existsSync(src)) return 0; // an installed copy may ship without sources
  return readdirSync(src, { recursive: true })
    .filter((f) => String(f).endsWith(".ts"))
    .reduce((max, f) => Math.max(max, statSync(`${src}/${f}`).mtimeMs), 0);
}

if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSourceMs()) {
  await import(bundle.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/main.ts", import.meta.url).href);
}
