// The five master-data code tables (主数据编码映射), each held as plain Maps in both directions
// so that a lookup on the hot path is one Map.get.
import { validate } from '../validation';

export const TABLE_NAMES = ['material', 'equipment', 'operation', 'unit', 'plant'] as const;
export type TableName = (typeof TABLE_NAMES)[number];
export type Direction = 'erp-to-mes' | 'mes-to-erp';
export const DIRECTIONS: readonly Direction[] = ['erp-to-mes', 'mes-to-erp'];

export interface CodeMapEntry {
  table: TableName;
  erp: string;
  mes: string;
  description?: string;
}

export type LookupResult = { ok: true; code: string } | { ok: false; reason: 'unknown' | 'ambiguous' | 'empty' };

/** Names a row of a source in errors, e.g. i → "codes.csv row 17". Called only when a row is wrong. */
export type RowLabel = (index: number) => string;

/** A load that failed; the message starts with the source and row. */
export class CodeTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodeTableError';
  }
}

export function isTableName(value: unknown): value is TableName {
  return typeof value === 'string' && (TABLE_NAMES as readonly string[]).includes(value);
}

/**
 * One table: ERP→MES is the truth; MES→ERP is derived, with codes several ERP codes share kept aside.
 * Descriptions are for people reading the source; they are checked but not kept at runtime.
 */
class CodeTable {
  readonly erpToMes: Map<string, string>;
  readonly mesToErp = new Map<string, string>();
  /** MES code → the ERP codes that share it (only codes with two or more). */
  readonly ambiguous = new Map<string, string[]>();

  constructor(erpToMes: Map<string, string>) {
    this.erpToMes = erpToMes;
    for (const [erp, mes] of erpToMes) {
      const shared = this.ambiguous.get(mes);
      if (shared) {
        shared.push(erp);
        continue;
      }
      const first = this.mesToErp.get(mes);
      if (first === undefined) this.mesToErp.set(mes, erp);
      else {
        this.mesToErp.delete(mes);
        this.ambiguous.set(mes, [first, erp]);
      }
    }
  }
}

const EMPTY_TABLE = new CodeTable(new Map());

function tableIndex(table: TableName): number {
  const i = TABLE_NAMES.indexOf(table);
  if (i < 0) throw new Error(`unknown code table '${String(table)}'; known: ${TABLE_NAMES.join(', ')}`);
  return i;
}

/** Strips the schema's root from validation sentences: "payload.erp is required" → "erp is required". */
function rowProblem(row: unknown): string | undefined {
  const result = validate('code-map-entry', row, '');
  if (result.ok) return undefined;
  return result.message.replace(/(^|; )\./g, '$1');
}

/** Index of the first row with the same table and ERP code (only looked for when rows conflict). */
function firstRowWith(rows: readonly unknown[], entry: CodeMapEntry): number {
  return rows.findIndex((r) => (r as CodeMapEntry).table === entry.table && (r as CodeMapEntry).erp === entry.erp);
}

export class CodeTables {
  private readonly tables: readonly CodeTable[];
  private readonly erpToMesMaps: ReadonlyArray<ReadonlyMap<string, string>>;
  private readonly mesToErpMaps: ReadonlyArray<ReadonlyMap<string, string>>;

  private constructor(tables: readonly CodeTable[]) {
    this.tables = tables;
    this.erpToMesMaps = tables.map((t) => t.erpToMes);
    this.mesToErpMaps = tables.map((t) => t.mesToErp);
  }

  static empty(): CodeTables {
    return new CodeTables(TABLE_NAMES.map(() => EMPTY_TABLE));
  }

  /**
   * Builds tables from rows of one source. Every row is checked against code-map-entry; the same
   * ERP code twice in a table with different MES codes is an error naming both rows.
   */
  static fromEntries(rows: readonly unknown[], rowLabel: RowLabel): CodeTables {
    const erpToMes = TABLE_NAMES.map(() => new Map<string, string>());
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const problem = rowProblem(row);
      if (problem !== undefined) throw new CodeTableError(`${rowLabel(i)}: ${problem}`);
      const entry = row as CodeMapEntry;
      const t = tableIndex(entry.table);
      const known = erpToMes[t].get(entry.erp);
      if (known === undefined) erpToMes[t].set(entry.erp, entry.mes);
      else if (known !== entry.mes) {
        const other = rowLabel(firstRowWith(rows, entry));
        throw new CodeTableError(`${rowLabel(i)}: ERP ${entry.table} code '${entry.erp}' is mapped to MES code '${entry.mes}' here but to '${known}' in ${other}`);
      }
    }
    return new CodeTables(TABLE_NAMES.map((_, t) => new CodeTable(erpToMes[t])));
  }

  /**
   * Combines base and overlay table by table: tables listed in `replaced` come from the overlay
   * alone; in the others the overlay's rows win over the base's for the same ERP code.
   */
  static combine(base: CodeTables, overlay: CodeTables, replaced: ReadonlySet<TableName> = new Set()): CodeTables {
    return new CodeTables(
      TABLE_NAMES.map((name, t) => {
        const under = base.tables[t];
        const over = overlay.tables[t];
        if (replaced.has(name) || under.erpToMes.size === 0) return over;
        if (over.erpToMes.size === 0) return under;
        const erpToMes = new Map(under.erpToMes);
        for (const [erp, mes] of over.erpToMes) erpToMes.set(erp, mes);
        return new CodeTable(erpToMes);
      }),
    );
  }

  /** The tables that hold at least one row. */
  tablesWithRows(): TableName[] {
    return TABLE_NAMES.filter((_, t) => this.tables[t].erpToMes.size > 0);
  }

  /** Number of rows in one table, or in all five. */
  size(table?: TableName): number {
    if (table !== undefined) return this.tables[tableIndex(table)].erpToMes.size;
    let n = 0;
    for (const t of this.tables) n += t.erpToMes.size;
    return n;
  }

  lookup(table: TableName, code: string, direction: Direction): LookupResult {
    if (code === '' || code.trim() === '') return { ok: false, reason: 'empty' };
    const t = this.tables[tableIndex(table)];
    const found = direction === 'mes-to-erp' ? t.mesToErp.get(code) : t.erpToMes.get(code);
    if (found !== undefined) return { ok: true, code: found };
    if (direction === 'mes-to-erp' && t.ambiguous.has(code)) return { ok: false, reason: 'ambiguous' };
    return { ok: false, reason: 'unknown' };
  }

  /** The ERP codes that share one MES code (empty unless the MES→ERP lookup of it is ambiguous). */
  erpCodesSharing(table: TableName, mesCode: string): readonly string[] {
    return this.tables[tableIndex(table)].ambiguous.get(mesCode) ?? [];
  }

  /**
   * The Maps a mapping pass reads, one per table in TABLE_NAMES order, for one direction (hot path: one get per code).
   * Ambiguous MES codes are absent from the MES→ERP map; see erpCodesSharing.
   */
  mapsFor(direction: Direction): ReadonlyArray<ReadonlyMap<string, string>> {
    return direction === 'mes-to-erp' ? this.mesToErpMaps : this.erpToMesMaps;
  }

  /** Every row, table by table, without descriptions. */
  *entries(): IterableIterator<CodeMapEntry> {
    for (let t = 0; t < TABLE_NAMES.length; t++) {
      const table = TABLE_NAMES[t];
      for (const [erp, mes] of this.tables[t].erpToMes) yield { table, erp, mes };
    }
  }
}
