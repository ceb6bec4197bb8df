import { fail } from '../values.js';

/**
 * One CSV row as the collector reads it (Go's encoding/csv, then parseutils.ReadCSVRow):
 * empty lines are skipped, `\r\n` reads as `\n`, a quoted field may hold delimiters, `""`
 * and line breaks; a line that fails to parse still gives the fields read before the fault
 * (Go returns them with the error, and ReadCSVRow only rejects a line with no fields).
 * Further lines continue the previous line's last field, joined with `\n`.
 */
interface Line {
  fields: string[];
  error: boolean;
}

function readLines(text: string): string[] {
  const lines = text.split('\n').map((l, i, all) => (i < all.length - 1 ? l + '\n' : l));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => {
    if (l.endsWith('\r\n')) return l.slice(0, -2) + '\n';
    return !l.endsWith('\n') && l.endsWith('\r') ? l.slice(0, -1) : l;
  });
}

const withoutNL = (s: string) => (s.endsWith('\n') ? s.slice(0, -1) : s);

function readRecord(lines: string[], at: { i: number }, comma: string, lazy: boolean): Line | undefined {
  let line: string | undefined;
  while (at.i < lines.length) {
    line = lines[at.i++];
    if (line === '\n') {
      line = undefined;
      continue;
    }
    break;
  }
  if (line === undefined) return undefined;
  const fields: string[] = [];
  for (;;) {
    if (line === '' || line[0] !== '"') {
      const i = line.indexOf(comma);
      const field = i >= 0 ? line.slice(0, i) : withoutNL(line);
      if (!lazy && field.includes('"')) return { fields, error: true };
      fields.push(field);
      if (i >= 0) {
        line = line.slice(i + comma.length);
        continue;
      }
      return { fields, error: false };
    }
    line = line.slice(1);
    let buf = '';
    for (;;) {
      const i = line.indexOf('"');
      if (i >= 0) {
        buf += line.slice(0, i);
        line = line.slice(i + 1);
        if (line.startsWith('"')) {
          buf += '"';
          line = line.slice(1);
        } else if (line.startsWith(comma)) {
          line = line.slice(comma.length);
          fields.push(buf);
          break;
        } else if (line === '' || line === '\n') {
          fields.push(buf);
          return { fields, error: false };
        } else if (lazy) {
          buf += '"';
        } else {
          return { fields, error: true };
        }
      } else if (line.length > 0) {
        buf += line;
        line = at.i < lines.length ? lines[at.i++] : '';
      } else {
        if (!lazy) return { fields, error: true };
        fields.push(buf);
        return { fields, error: false };
      }
    }
  }
}

export function readCsvRow(row: string, comma: string, lazy: boolean): string[] {
  const lines = readLines(row);
  const at = { i: 0 };
  const records: string[][] = [];
  for (;;) {
    const r = readRecord(lines, at, comma, lazy);
    if (!r) break;
    if (r.error && r.fields.length === 0) fail();
    records.push(r.fields);
  }
  if (records.length === 0) fail();
  const joined = records[0];
  for (const next of records.slice(1)) {
    joined[joined.length - 1] += '\n' + next[0];
    joined.push(...next.slice(1));
  }
  return joined;
}
