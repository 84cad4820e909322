import "server-only";
// "The agents table changed": registry.ts says so after each write, the fleet monitor listens.
// On globalThis because Next loads server modules in several bundles of one process.
const KEY = Symbol.for("sysward.console.registryListeners");
type Holder = { [KEY]?: Set<() => void> };

function listeners(): Set<() => void> {
  const holder = globalThis as Holder;
  return (holder[KEY] ??= new Set());
}

export function onRegistryChange(fn: () => void): () => void {
  listeners().add(fn);
  return () => listeners().delete(fn);
}

export function registryChanged(): void {
  for (const fn of listeners()) fn();
}
