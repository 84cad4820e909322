// The package-name rule, the same as the agent's (apps/agent/src/install/package-name.ts):
// the console checks it first to answer 400 before any byte is sent, the agent checks again.

export const PACKAGE_NAME_RULE = "letters and digits only, 1–64 characters (A-Z, a-z, 0-9)";

const NAME = /^[A-Za-z0-9]{1,64}$/;

export function isValidPackageName(name: string): boolean {
  return NAME.test(name);
}

/** A message a person can act on, or null when the name is fine. */
export function packageNameProblem(name: string): string | null {
  if (isValidPackageName(name)) return null;
  const shown = name === "" ? "an empty name" : JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
  return `invalid package name ${shown}: package names are ${PACKAGE_NAME_RULE}`;
}
