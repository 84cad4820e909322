import { Code, ConnectError } from "@connectrpc/connect";

// The seed's rule (validName in proto/extra.go): ASCII letters and digits only. It also keeps
// names safe as path segments and unit names, so nothing else needs escaping.
const NAME = /^[A-Za-z0-9]{1,64}$/;

export function isValidPackageName(name: string): boolean {
  return NAME.test(name);
}

/** Throws InvalidArgument unless `name` is 1–64 ASCII letters or digits. */
export function assertPackageName(name: string): void {
  if (!isValidPackageName(name)) {
    const shown = name === "" ? "an empty name" : JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
    throw new ConnectError(
      `invalid package name ${shown}: use 1 to 64 ASCII letters or digits (A-Z, a-z, 0-9)`,
      Code.InvalidArgument,
    );
  }
}
