/**
 * CSV cells of one line, as exports from exchanges, data vendors and spreadsheets write them:
 * double-quoted cells (with `""` for a quote inside), quoted numbers with thousands separators
 * (`"1,389.03"`), surrounding spaces. Hand-written rather than a CSV library because import and
 * replay must split over a million lines a second and one line never spans two (no quoted line
 * ends in market data); a line without a quote takes the `String.split` fast path.
 */
export function splitCsv(line: string): string[] {
  if (line.indexOf('"') === -1) return line.split(',');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/**
 * A cell as a number: thousands separators and spaces dropped; NaN for an empty cell or text
 * (never 0, which `Number('')` would give).
 */
export function numberCell(cell: string | undefined): number {
  if (cell === undefined) return NaN;
  const n = Number(cell);
  if (n === n && cell.length > 0 && cell.charCodeAt(0) !== 32 && cell.charCodeAt(cell.length - 1) !== 32) return n;
  const cleaned = cell.replace(/[,\s]/g, '');
  return cleaned === '' ? NaN : Number(cleaned);
}

/** Lower-cased, trimmed header names, for matching columns by name. */
export function headerNames(cells: readonly string[]): string[] {
  return cells.map((c) => c.trim().toLowerCase());
}

/** Where each wanted column is in a header's `names` (`headerNames`): key → its column's index, −1 when absent. */
export function columnsOf<K extends string>(names: readonly string[], wanted: Readonly<Record<K, string>>): Record<K, number> {
  const columns = {} as Record<K, number>;
  for (const key of Object.keys(wanted) as K[]) columns[key] = names.indexOf(wanted[key]);
  return columns;
}
