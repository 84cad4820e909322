// Bundles the agent into one ESM file (dist/agent.mjs). Native and dynamic-require
// packages stay external and load from node_modules at run time.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/agent.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  // Maps without embedded sources: Node holds the whole map in memory under --enable-source-maps
  // (bench: ~25 MB of the idle agent's RSS); stack traces still name files and lines.
  sourcesContent: false,
  // No comments or indentation: the bundle is held in the heap as one string for the process's
  // life, and a single non-ASCII character in a comment (an em dash) makes V8 store all of it as
  // UTF-16 (bench: 2 MB file, 4 MB string). Names are kept; stack traces map through the source map.
  minifyWhitespace: true,
  external: ["better-sqlite3", "pino", "yauzl"],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
});
