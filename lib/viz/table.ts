/**
 * Tables for notebooks: rows of plain objects shown as an HTML table in Jupyter (with a
 * text fallback), through the `Symbol.for("Jupyter.display")` protocol that works, and can be
 * tested, outside the kernel too.
 *
 * @module
 */
import { escapeXml } from "./svg.ts";
import { JUPYTER_DISPLAY, type MimeBundle } from "./plotly.ts";

/** A displayable table. */
export interface TableDisplay {
  /** Column names. */
  columns: string[];
  /** Cell texts, row by row. */
  cells: string[][];
  /** Jupyter's display hook: HTML table plus plain-text fallback. */
  [JUPYTER_DISPLAY](): MimeBundle;
}

function cellText(v: unknown, digits: number): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(digits);
  if (v === null || v === undefined) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * Shows rows (objects with the same keys) as a table; numbers get `digits` decimals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { showTable } from "./table.ts";
 * const t = showTable([{ agent: 1, reward: 0.5 }, { agent: 2, reward: 0.75 }]);
 * assert.deepEqual(t.columns, ["agent", "reward"]);
 * ```
 */
export function showTable(
  rows: Record<string, unknown>[],
  opts: { digits?: number } = {},
): TableDisplay {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => columns.map((c) => cellText(r[c], opts.digits ?? 3)));
  return {
    columns,
    cells,
    [JUPYTER_DISPLAY]() {
      const th = columns.map((c) => `<th>${escapeXml(c)}</th>`).join("");
      const body = cells
        .map((r) =>
          `<tr>${r.map((c) => `<td style="text-align:left">${escapeXml(c)}</td>`).join("")}</tr>`
        )
        .join("");
      const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
      const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
      return {
        "text/html": `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`,
        "text/plain": [line(columns), ...cells.map(line)].join("\n"),
      };
    },
  };
}
