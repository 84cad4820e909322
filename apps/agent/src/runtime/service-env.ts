import type { ServiceSpec } from "./runtime";

// Both runtimes give a service a minimal, clean environment: never the agent's own (it holds the agent's
// token and whatever else the agent was started with).
export const SERVICE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function serviceEnv(spec: ServiceSpec, lang: string = process.env.LANG ?? "C.UTF-8"): Record<string, string> {
  return {
    PATH: SERVICE_PATH,
    HOME: spec.stateDir,
    LANG: lang,
    ...spec.env,
    // Last, so a package cannot pretend to be another service.
    SYSWARD_SERVICE: spec.name,
    SYSWARD_STATE_DIR: spec.stateDir,
  };
}
