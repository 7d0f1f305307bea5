// Table, view and column names come from node configuration and end up inside SQL text, where no
// binding can protect them. So they pass a strict check first and are then always quoted per dialect.

export type SqlDialect = 'mssql' | 'mysql' | 'pg' | 'sqlite';
export const sqlDialects: readonly SqlDialect[] = ['mssql', 'mysql', 'pg', 'sqlite'];

/** What the name is, for the error sentence: "table" or "column". */
export type IdentifierRole = 'table' | 'column';

/** SQL Server allows 128 characters; MySQL 64 and PostgreSQL 63 bytes are checked by the server itself. */
const maxLength = 128;
// Letters of every script (CJK included), combining marks, digits, _ $ #; single spaces between words.
const allowedChar = /^[\p{L}\p{M}\p{Nd}_$#]$/u;
const wrappers: Record<string, string> = { '"': '"', '`': '`', '[': ']' };

const rule = 'letters (Chinese included), digits, _, $, # and single spaces between words';

function describeChar(ch: string): string {
  if (ch === ' ') return 'a space';
  if (ch === '\t' || ch === '\n' || ch === '\r') return 'a tab or line break';
  const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return /\p{C}/u.test(ch) ? `the control character U+${code}` : `'${ch}'`;
}

/** Checks one part of a name (no dots, no quotes); returns why it is refused, or undefined. */
function partProblem(part: string): string | undefined {
  if (part === '') return 'it has an empty part';
  if ([...part].length > maxLength) return `a part is longer than ${maxLength} characters`;
  if (part.startsWith(' ') || part.endsWith(' ')) return 'it starts or ends with a space';
  if (part.includes('  ')) return 'it has two spaces in a row';
  if (part.includes('--') || part.includes('/*') || part.includes('*/')) return 'it contains a comment marker';
  for (const ch of part) {
    if (ch === ' ') continue;
    if (!allowedChar.test(ch)) return `${describeChar(ch)} is not allowed`;
  }
  return undefined;
}

function refuse(role: IdentifierRole, text: string, why: string): never {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  throw new Error(`The ${role} name '${shown}' is refused: ${why} (names may hold ${rule}; a part may be wrapped in "…", \`…\` or […]).`);
}

/**
 * Splits a possibly schema-qualified name (`dbo.PRD_ORDER`, `erp."tabWork Order"`, `生产订单`) into its
 * checked parts. A part may be wrapped in "…", `…` or […] (so a name written for any dialect is read
 * the same); the wrapped text obeys the same rule, so no quote or dot can ever be inside a part.
 * Tables take 1–3 parts (database.schema.table for SQL Server), columns exactly one.
 */
export function parseIdentifier(text: unknown, role: IdentifierRole): string[] {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new Error(`The ${role} name is missing (got ${text === undefined ? 'nothing' : JSON.stringify(text)}).`);
  }
  const name = text.trim();
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    let part: string;
    const close = wrappers[name[i]];
    if (close !== undefined) {
      const end = name.indexOf(close, i + 1);
      if (end < 0) refuse(role, name, `the ${name[i]} opened at position ${i + 1} is never closed`);
      part = name.slice(i + 1, end);
      i = end + 1;
      if (i < name.length && name[i] !== '.') refuse(role, name, `${describeChar(name[i])} follows a quoted part`);
    } else {
      const end = name.indexOf('.', i);
      part = name.slice(i, end < 0 ? name.length : end);
      i = end < 0 ? name.length : end;
    }
    const why = partProblem(part);
    if (why) refuse(role, name, why);
    parts.push(part);
    if (i >= name.length) break;
    i += 1; // the dot
    if (i >= name.length) refuse(role, name, 'it ends with a dot');
  }
  const most = role === 'table' ? 3 : 1;
  if (parts.length > most) refuse(role, name, role === 'table' ? 'it has more than three dotted parts' : 'a column name cannot be qualified with dots');
  return parts;
}

/** Quotes one checked part: mysql backticks, pg/sqlite double quotes, mssql brackets; the closing char is doubled. */
export function quotePart(dialect: SqlDialect, part: string): string {
  switch (dialect) {
    case 'mysql':
      return `\`${part.replace(/`/g, '``')}\``;
    case 'mssql':
      return `[${part.replace(/]/g, ']]')}]`;
    case 'pg':
    case 'sqlite':
      return `"${part.replace(/"/g, '""')}"`;
    default:
      throw new Error(`'${String(dialect)}' is not a SQL dialect (expected ${sqlDialects.join(', ')}).`);
  }
}

/** A table or view name, checked and quoted: `erp."tabWork Order"` → "erp"."tabWork Order" for pg. */
export function quoteTable(dialect: SqlDialect, name: string): string {
  return parseIdentifier(name, 'table')
    .map((p) => quotePart(dialect, p))
    .join('.');
}

/** A column name, checked and quoted. */
export function quoteColumn(dialect: SqlDialect, name: string): string {
  return quotePart(dialect, parseIdentifier(name, 'column')[0]);
}

/** The column name as the driver will key it in result rows (wrapping quotes removed). */
export function columnName(name: string): string {
  return parseIdentifier(name, 'column')[0];
}
