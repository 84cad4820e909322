// Every path under a directory (with file sizes), minus paths a test expects to change, so a
// test can say "nothing appeared, vanished or changed size outside the package dir".
import { lstatSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

/** Sorted "relative/path kind size" lines; `skip` gets relative paths ("a/b") and may prune a subtree. */
export function treeSnapshot(root: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const rel = relative(root, p);
      if (skip(rel)) continue;
      const st = lstatSync(p);
      const kind = st.isDirectory() ? "dir" : st.isSymbolicLink() ? "link" : st.isFile() ? "file" : "other";
      out.push(`${rel} ${kind} ${kind === "file" ? st.size : ""}`.trimEnd());
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort();
}
