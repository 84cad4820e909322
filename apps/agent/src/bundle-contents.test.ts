// What the agent's bundle carries. The bundle is held in the heap as one string for the process's
// life and its top level runs at start, so a package that drags in code the agent never calls costs
// memory on every machine.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

async function bytesByPackage(): Promise<Map<string, number>> {
  const r = await build({
    entryPoints: [fileURLToPath(new URL("./main.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    minifyWhitespace: true,
    external: ["better-sqlite3", "pino", "yauzl"],
    write: false,
    outfile: "agent.mjs",
    metafile: true,
    logLevel: "silent",
  });
  const out = Object.values(r.metafile.outputs).find((o) => o.entryPoint);
  const by = new Map<string, number>();
  for (const [file, input] of Object.entries(out?.inputs ?? {})) {
    const inModules = file.split("node_modules/")[1];
    if (!inModules) continue;
    const parts = inModules.split("/");
    const name = parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
    by.set(name, (by.get(name) ?? 0) + input.bytesInOutput);
  }
  return by;
}

describe("the agent's bundle", () => {
  it("carries only the parts of zod the agent uses", async () => {
    // `import { z } from "zod"` is a namespace re-export esbuild cannot shake: every locale and
    // the whole API came along (600 KB of a 1.49 MB bundle; bench: idle heapUsed ~1–5 MB more).
    // `import * as z from "zod"` keeps ~130 KB.
    const zod = (await bytesByPackage()).get("zod") ?? 0;
    expect(zod).toBeGreaterThan(0);
    expect(zod).toBeLessThan(250_000);
  });
});
