#!/usr/bin/env node
// `npm run bench` / `npm run bench -- --quick`: the benchmarks are TypeScript, run through tsx.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
