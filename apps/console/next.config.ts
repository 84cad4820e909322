import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // NEXT_DIST_DIR (default .next): builds of one checkout side by side (e2e and bench use their own).
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  // Native addon and worker-thread logger: loaded from node_modules at run time, never bundled.
  serverExternalPackages: ["better-sqlite3", "pino"],
  // The workspace packages are TypeScript source.
  transpilePackages: ["@sysward/proto", "@sysward/contract"],
  poweredByHeader: false,
  // tsconfig.json also covers the tests (for the editor and lint); the build checks the app alone.
  typescript: { tsconfigPath: "tsconfig.build.json" },
};

export default nextConfig;
