// The Kingdee preset's pull.map in TypeScript. Its JSONata costs ~1.5 ms per order line (more than the three
// requests that bring the line), so the unchanged preset text runs this instead; a profile whose map differs
// by one character runs its own JSONata. Each step follows JSONata's rules (undefined drops a key, `=`/`!=`
// with undefined is false, `in` is strict, $round is half-to-even); anything outside the shapes the preset is
// written for (a field that is not a scalar, text where a number is compared) answers NOT_NATIVE, and the
// JSONata runs, so the output never differs.
import { parseChangeTime } from '../../time-format';

export const NOT_NATIVE = Symbol('not native');

type Row = Record<string, unknown>;
type Bindings = { params?: Row; optional?: Record<string, unknown>; details?: Record<string, unknown> };

class Unsupported extends Error {}

function scalarRow(value: unknown): Row {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Unsupported();
  for (const v of Object.values(value)) if (v !== null && typeof v === 'object') throw new Unsupported();
  return value as Row;
}

/** JSONata's $boolean. */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.some(truthy);
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return false;
}

/** JSONata's `a in b` for scalars: b as a list, strict equality. */
function isIn(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false;
  return Array.isArray(b) ? b.some((x) => x === a) : b === a;
}

/** $string of a scalar as the preset uses it: text as it is, whole numbers as digits. */
function str(v: unknown): string | undefined {
  if (v === undefined || typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  throw new Unsupported();
}

const concat = (v: string | undefined) => v ?? '';
function pad4(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  // $pad counts code points, padStart UTF-16 units: the same for anything but astral characters.
  if (/[\uD800-\uDFFF]/.test(v)) throw new Unsupported();
  return v.padStart(4, '0');
}

function trim(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Unsupported();
  let s = v.replace(/[ \t\n\r]+/gm, ' ');
  if (s.charAt(0) === ' ') s = s.substring(1);
  if (s.charAt(s.length - 1) === ' ') s = s.substring(0, s.length - 1);
  return s;
}

/** JSONata's $round(x, 6): the decimal point shifted in text, half to even. */
function round6(arg: number): number {
  let value = arg.toString().split('e');
  const shifted = +(value[0] + 'e' + (value[1] ? +value[1] + 6 : 6));
  let result = Math.round(shifted);
  if (Math.abs(result - shifted) === 0.5 && Math.abs(result % 2) === 1) result -= 1;
  value = result.toString().split('e');
  result = +(value[0] + 'e' + (value[1] ? +value[1] - 6 : -6));
  return Object.is(result, -0) ? 0 : result;
}

function ratio(a: unknown, b: unknown): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (typeof a !== 'number' || typeof b !== 'number') throw new Unsupported();
  const q = a / b;
  if (!Number.isFinite(q)) throw new Unsupported();
  return round6(q);
}

/** A path step over a detail list: each row of an array, the value itself if one, none if absent. */
function rows(v: unknown): Row[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(scalarRow);
}

/** An object without its undefined members, as JSONata's object constructor builds it. */
function defined<T extends Row>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function status(s: unknown, audit: unknown): string {
  if (audit !== undefined && audit !== 'C') return 'created';
  if (s === '1' || s === '2') return 'created';
  if (s === '3') return 'released';
  if (s === '4') return 'running';
  return s === '5' ? 'completed' : 'closed';
}

export function kingdeeOrderMap(input: unknown, bindings: Bindings, timeZone: string): unknown {
  try {
    const line = scalarRow(input);
    const params = bindings.params ?? {};
    const optional = bindings.optional ?? {};
    const time = (v: unknown) => {
      if (v !== undefined && v !== null && typeof v !== 'string' && typeof v !== 'number') throw new Unsupported();
      return parseChangeTime(v, timeZone);
    };
    const modified = time(line.FModifyDate);
    const millis = modified === undefined ? undefined : Date.parse(modified);
    const priorityField = params.priorityField;
    const ownPriority = typeof priorityField === 'string' ? line[priorityField] : undefined;
    const qcField = params.qcSpecField;
    const qcOptional = isIn(qcField, optional.operations);
    return defined({
      orderNo: concat(str(line.FBillNo)) + '-' + concat(str(line.FTreeEntity_FSeq)),
      orderKey: truthy(line.FID) ? concat(str(line.FID)) + '.' + concat(str(line.FTreeEntity_FEntryId)) : undefined,
      revision: millis === undefined ? undefined : Math.floor(millis / 1000),
      status: status(line.FStatus, line.FDocumentStatus),
      productCode: line['FMaterialId.FNumber'],
      productName: line['FMaterialId.FName'],
      quantity: line.FQty,
      unit: line['FUnitId.FNumber'],
      dueDate: time(line.FPlanFinishDate),
      priority: isIn(priorityField, optional.orders) && truthy(ownPriority) ? ownPriority : params.defaultPriority,
      plant: truthy(params.plant) ? params.plant : line['FPrdOrgId.FNumber'],
      operations: rows(bindings.details?.operations).map((op) => {
        const qc = qcOptional && typeof qcField === 'string' ? trim(op[qcField]) : undefined;
        return defined({
          opNo: pad4(str(op.FOperNumber)),
          opCode: op['FProcessId.FNumber'],
          description: op['FProcessId.FName'],
          workCentre: op['FWorkCenterId.FNumber'],
          plannedStart: time(op.FOperPlanStartTime),
          plannedEnd: time(op.FOperPlanFinishTime),
          stdTimePerUnitSec: op.FActivity1Qty,
          qcSpecRef: qc !== undefined && qc !== '' ? qc : undefined,
        });
      }),
      bom: rows(bindings.details?.components).map((c) => {
        if (c.FOperID !== undefined && typeof c.FOperID !== 'number') throw new Unsupported();
        return defined({
          materialCode: c['FMaterialID2.FNumber'],
          materialName: c['FMaterialID2.FName'],
          qtyPer: ratio(c.FNumerator, c.FDenominator),
          unit: c['FUnitID2.FNumber'],
          issueTolerancePct: c.FScrapRate,
          opNo: typeof c.FOperID === 'number' && c.FOperID > 0 ? pad4(str(c.FOperID)) : undefined,
        });
      }),
      updatedAt: modified,
    });
  } catch (err) {
    if (err instanceof Unsupported) return NOT_NATIVE;
    throw err;
  }
}

// The per-line detail requests (operations, components) and the zipping of their rows: three more JSONata
// evaluations per order line, each as dear as the answer's JSON.parse, so they run here too.

/** JSONata's $append of the optional field keys to the stock ones; keys must be text (as $join needs). */
function fieldKeys(fields: readonly string[], optional: unknown): string[] {
  const keys = optional === undefined ? [...fields] : fields.concat(Array.isArray(optional) ? optional : [optional]);
  for (const k of keys) if (typeof k !== 'string') throw new Unsupported();
  return keys;
}

/** The ExecuteBillQuery body asking for one order line's rows of `formId` (billQuery with lineFilter in the preset). */
export function lineQueryBody(formId: string, fields: readonly string[], withOptional: 'operations' | undefined, billField: string, order: string) {
  return (_input: unknown, bindings: Bindings & { item?: unknown }): unknown => {
    try {
      const item = scalarRow(bindings.item);
      const keys = withOptional ? fieldKeys(fields, bindings.optional?.[withOptional]) : fields;
      const filter = `${billField} = '${concat(str(item.FBillNo))}' AND FMOEntrySeq = ${concat(str(item.FTreeEntity_FSeq))}`;
      return { parameters: [JSON.stringify({ FormId: formId, FieldKeys: keys.join(','), FilterString: filter, OrderString: order, StartRow: 0, Limit: 2000 })] };
    } catch (err) {
      if (err instanceof Unsupported) return NOT_NATIVE;
      throw err;
    }
  };
}

/** `$type($) = "array" ? [$zip($, keys)] : $`: rows that arrive as arrays zipped with the field keys asked for. */
export function zipSelect(fields: readonly string[], withOptional: 'operations' | undefined) {
  return (input: unknown, bindings: Bindings): unknown => {
    if (!Array.isArray(input)) return input;
    try {
      const keys = withOptional ? fieldKeys(fields, bindings.optional?.[withOptional]) : fields;
      return input.map((row) => (Array.isArray(row) ? Object.fromEntries(keys.map((k, i) => [k, row[i]])) : row));
    } catch (err) {
      if (err instanceof Unsupported) return NOT_NATIVE;
      throw err;
    }
  };
}
