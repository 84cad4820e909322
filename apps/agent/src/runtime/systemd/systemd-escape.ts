import { DomainError } from "../../domain-error";

// Quoting for values in unit files (systemd.syntax(7), systemd.service(7) "Command lines"):
// - every line is subject to specifier expansion, so a literal % is written %%;
// - quoted words ("...") take C-style escapes, so \ and " are escaped and control characters
//   written as \n, \t, \xNN (a raw newline would end the directive);
// - in ExecStart arguments "$" starts a variable, so a literal $ is written $$;
// - each ExecStart argument is quoted, which also keeps a lone ";" from separating commands.

function invalid(what: string, value: string, why: string): DomainError {
  return new DomainError(`${what} ${JSON.stringify(value)} cannot go into a systemd unit: ${why}`, "invalid-argument");
}

function cEscape(value: string): string {
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (isControl(ch)) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out;
}

function isControl(ch: string): boolean {
  const code = ch.codePointAt(0)!;
  return code < 0x20 || code === 0x7f;
}

function hasControl(value: string): boolean {
  return [...value].some(isControl);
}

function checkNoNul(what: string, value: string): void {
  if (value.includes("\0")) throw invalid(what, value, "it contains a NUL byte");
}

/** One ExecStart argument, as a quoted word. */
export function quoteExecArg(arg: string): string {
  checkNoNul("argument", arg);
  return `"${cEscape(arg).replaceAll("%", "%%").replaceAll("$", () => "$$")}"`;
}

/** The program path of ExecStart: absolute; no variable expansion happens there, so no "$" allowed. */
export function quoteExecPath(path: string): string {
  checkNoNul("executable path", path);
  if (!path.startsWith("/")) throw invalid("executable path", path, "it must be absolute");
  if (path.includes("$")) throw invalid("executable path", path, "systemd would treat $ as a variable");
  if (hasControl(path)) throw invalid("executable path", path, "it contains control characters");
  return `"${cEscape(path).replaceAll("%", "%%")}"`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One Environment= assignment, quoted ($ has no meaning there; specifiers do). */
export function quoteEnvAssignment(name: string, value: string): string {
  if (!ENV_NAME.test(name)) throw invalid("environment variable name", name, "use letters, digits and _, not starting with a digit");
  checkNoNul("environment value", value);
  return `"${cEscape(`${name}=${value}`).replaceAll("%", "%%")}"`;
}

/**
 * A path in a space-separated path list (ReadWritePaths=, InaccessiblePaths=, BindPaths=,
 * TemporaryFileSystem=), quoted; `prefix` "-" goes inside the quotes, where systemd looks for it.
 * Mount settings split a word at ":" (options, a destination), so their paths may not hold one;
 * TemporaryFileSystem= unescapes its words twice, so a backslash would get lost (seen in the dump).
 */
export function quotePathListEntry(path: string, opts: { prefix?: "-"; suffix?: string; mount?: "bind" | "tmpfs" } = {}): string {
  checkNoNul("path", path);
  if (!path.startsWith("/")) throw invalid("path", path, "it must be absolute");
  if (hasControl(path)) throw invalid("path", path, "it contains control characters");
  if (opts.mount && path.includes(":")) throw invalid("path", path, "systemd's mount settings read a colon as the start of mount options");
  if (opts.mount === "tmpfs" && path.includes("\\")) throw invalid("path", path, "systemd's TemporaryFileSystem= cannot take a backslash");
  return `"${opts.prefix ?? ""}${cEscape(path).replaceAll("%", "%%")}${opts.suffix ?? ""}"`;
}

/** A single-path setting (WorkingDirectory=) is taken literally, apart from specifiers. */
export function escapePathValue(path: string): string {
  checkNoNul("path", path);
  if (!path.startsWith("/")) throw invalid("path", path, "it must be absolute");
  if (hasControl(path)) throw invalid("path", path, "it contains control characters");
  return path.replaceAll("%", "%%");
}

/** Free text (Description=): specifiers escaped, line breaks flattened. */
export function escapeText(text: string): string {
  return [...text].map((ch) => (isControl(ch) ? " " : ch)).join("").replaceAll("%", "%%");
}
