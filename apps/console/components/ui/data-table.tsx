import type { ReactNode } from "react";

/** A column heading; `num` right-aligns it like its cells. */
export type DataColumn = string | { label: string; num?: boolean };

/**
 * The frame every list in the console shares: a horizontally scrollable wrapper, a table that
 * stacks into label/value cards on phones (cells carry `data-label`), the headings, and — when
 * rows have buttons — a last, visually hidden "Actions" heading. Rows are the caller's.
 */
export function DataTable({ columns, actions, testId, children }: { columns: DataColumn[]; actions?: boolean; testId?: string; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className="data-table stack-sm" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => {
              const { label, num } = typeof c === "string" ? { label: c, num: false } : c;
              return (
                <th key={label} className={num ? "num" : undefined}>
                  {label}
                </th>
              );
            })}
            {actions ? (
              <th className="num">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
