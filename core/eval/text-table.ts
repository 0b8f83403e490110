/** A column of a plain-text table: its header and whether its cells are right-aligned (numbers). */
export interface TextColumn {
  readonly header: string;
  readonly right?: boolean;
}

/** Renders rows as a plain-text table with columns padded to their widest cell, two spaces apart. */
export function textTable(columns: readonly TextColumn[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    columns
      .map((c, i) => {
        const w = widths[i] ?? 0;
        const cell = cells[i] ?? '';
        return c.right ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n');
}

/** A rate with three decimals, or `-` when undefined. */
export function rate(x: number | null | undefined): string {
  return x === null || x === undefined ? '-' : x.toFixed(3);
}
