// Package (and service) names: ASCII letters and digits only, 1 to 64 of them. The console checks
// them to answer before any byte is uploaded, the CLI before it calls, the agent on every request.
// The rule also keeps names safe as path segments and systemd unit names, so nothing needs escaping.

export const PACKAGE_NAME_RULE = "letters and digits only, 1–64 characters (A-Z, a-z, 0-9)";

const NAME = /^[A-Za-z0-9]{1,64}$/;

export function isValidPackageName(name: string): boolean {
  return NAME.test(name);
}

/** A message a person can act on ("invalid package name …"), or null when the name is fine. */
export function packageNameProblem(name: string, noun = "package name"): string | null {
  if (isValidPackageName(name)) return null;
  const shown = name === "" ? "an empty name" : JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
  return `invalid ${noun} ${shown}: names are ${PACKAGE_NAME_RULE}`;
}
