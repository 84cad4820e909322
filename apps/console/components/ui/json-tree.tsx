"use client";

import styles from "./json-tree.module.css";

/**
 * A readable, collapsible view of any JSON value. Native <details> elements do the
 * collapsing (keyboard and screen-reader friendly); `openDepth` says how deep starts open.
 * Remount with a new `key` to apply a new `openDepth` (expand all / collapse all).
 */
export function JsonTree({ value, openDepth = 1, testId }: { value: unknown; openDepth?: number; testId?: string }) {
  return (
    <div className={styles.tree} data-testid={testId}>
      <JsonNode name={null} value={value} depth={0} openDepth={openDepth} path="$" />
    </div>
  );
}

function JsonNode({ name, value, depth, openDepth, path }: { name: string | null; value: unknown; depth: number; openDepth: number; path: string }) {
  const label = name === null ? null : <span className={styles.key}>{name}:</span>;
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    const summary = Array.isArray(value) ? `[ ${entries.length} item${entries.length === 1 ? "" : "s"} ]` : `{ ${entries.length} key${entries.length === 1 ? "" : "s"} }`;
    return (
      <details open={depth < openDepth} data-json-path={path}>
        <summary className={styles.summary}>
          {label}
          <span className={styles.meta}>{summary}</span>
        </summary>
        <div className={styles.children}>
          {entries.map(([k, v]) => (
            <JsonNode key={k} name={k} value={v} depth={depth + 1} openDepth={openDepth} path={`${path}.${k}`} />
          ))}
        </div>
      </details>
    );
  }
  return (
    <div className={styles.leaf} data-json-path={path}>
      {label}
      <JsonScalar value={value} />
    </div>
  );
}

function JsonScalar({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className={styles.null}>null</span>;
  if (typeof value === "string") return <span className={styles.string}>&quot;{value}&quot;</span>;
  if (typeof value === "number") return <span className={styles.number}>{String(value)}</span>;
  if (typeof value === "boolean") return <span className={styles.boolean}>{String(value)}</span>;
  return <span>{String(value)}</span>;
}
