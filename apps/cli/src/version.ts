// The CLI's version (from its package.json), sent as User-Agent and printed by `sysward --version`.
import pkg from "../package.json" with { type: "json" };

export const CLI_VERSION: string = pkg.version;
