// Rules for paths inside a package (ZIP entry names and the manifest's `exec`). A path that
// passes is relative, has no "..", no backslash, no drive letter and no control characters, so
// joining it under the version directory can never leave that directory.

export type EntryPathResult = { ok: true; path: string } | { ok: false; reason: string };

const MAX_PATH = 1024;
const MAX_SEGMENT = 255;

/**
 * Normalises `name` ("./a//b/" → "a/b") or says why it is refused. A trailing "/" (a directory
 * entry) is dropped from the result.
 */
export function normaliseEntryPath(name: string): EntryPathResult {
  if (name.length === 0) return { ok: false, reason: "empty name" };
  if (name.length > MAX_PATH) return { ok: false, reason: `name longer than ${MAX_PATH} characters` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return { ok: false, reason: "control character (such as NUL) in name" };
  if (name.includes("\\")) return { ok: false, reason: "backslash in name (Windows path)" };
  if (/^[A-Za-z]:/.test(name)) return { ok: false, reason: "drive letter (absolute Windows path)" };
  if (name.startsWith("/")) return { ok: false, reason: "absolute path" };
  const segments = name.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) return { ok: false, reason: "path escapes the package (\"..\")" };
  if (segments.length === 0) return { ok: false, reason: "name has no path segments" };
  if (segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT)) {
    return { ok: false, reason: `path segment longer than ${MAX_SEGMENT} bytes` };
  }
  return { ok: true, path: segments.join("/").normalize("NFC") };
}

const SHOWN_MAX = 160;

/**
 * How an entry is named in error messages: quoted and escaped, so odd characters show, and cut
 * at SHOWN_MAX characters of the escaped form (a name of NULs and junk bytes escapes to six
 * times its length), never inside a character.
 */
export function showEntryName(name: string): string {
  let shown = "";
  for (const ch of name) {
    const escaped = JSON.stringify(ch).slice(1, -1);
    if (shown.length + escaped.length > SHOWN_MAX) return `"${shown}…"`;
    shown += escaped;
  }
  return `"${shown}"`;
}
