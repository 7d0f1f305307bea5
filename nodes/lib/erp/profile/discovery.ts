// What this ERP install has, asked once at connect: the field lists of its own metadata and small lookups.
// A field the preset would use but the install lacks is left out of every request (asking for it makes
// ERPNext answer "Unknown column", Odoo "Invalid field", SAP "property not found", Kingdee 字段不存在),
// and said once as a warning, so a stock install works and an extended one gains its extras.
import { ErpRequestError } from '../http-client';
import { type CompiledExpression, compileExpression } from './expressions';
import { type CompiledRequest, type ProfileSession, compileRequest } from './session';
import type { ErpProfile } from './types';

export interface Discovery {
  /** $metadata.<name>: each metadata entry's selected answer. */
  metadata: Record<string, unknown>;
  /** $optional.<name>: the optional fields this install has. */
  optional: Record<string, string[]>;
  /** One sentence per metadata entry whose optional fields were left out, or that could not be read. */
  warnings: string[];
}

interface CompiledMetadata {
  name: string;
  request: CompiledRequest;
  select: CompiledExpression;
  optional?: CompiledExpression;
}

export function compileMetadata(profile: ErpProfile): CompiledMetadata[] {
  const tz = profile.pull.changeTime.timeZone;
  return Object.entries(profile.pull.metadata ?? {}).map(([name, m]) => ({
    name,
    request: compileRequest(m.request, `pull.metadata.${name}.request`, profile),
    select: compileExpression(m.select, `pull.metadata.${name}.select`, profile.name, tz),
    optional: m.optional === undefined ? undefined : compileExpression(m.optional, `pull.metadata.${name}.optional`, profile.name, tz),
  }));
}

const asNames = (value: unknown): string[] => (value === undefined || value === null ? [] : (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== ''));

/**
 * Asks every metadata entry. Any failure fails the discovery and so the pull (reported and retried as the pull's);
 * an ERP that has no such metadata service only loses the optional fields, with a warning.
 */
export async function discover(session: ProfileSession, entries: CompiledMetadata[], error: CompiledExpression | undefined): Promise<Discovery> {
  const out: Discovery = { metadata: {}, optional: {}, warnings: [] };
  const where = `ERP endpoint '${session.client.connection.name}'`;
  for (const entry of entries) {
    const wanted = entry.optional ? asNames(await entry.optional.evaluate({}, session.bindings())) : [];
    let answer: unknown;
    try {
      answer = (await session.call(entry.request, {}, { error })).answer;
    } catch (err) {
      // Only an ERP without this metadata service (an older release, a proxy that hides it) loses the optional
      // fields; any other failure is the pull's failure, reported and retried as such.
      if (!(err instanceof ErpRequestError) || ![404, 405, 501].includes(err.status ?? 0)) throw err;
      out.optional[entry.name] = [];
      out.warnings.push(`${where} could not read the ERP's ${entry.name} metadata (${err.erpWords ?? err.message}); ${wanted.length ? `the optional fields ${wanted.join(', ')} are left out` : 'it is left out'}.`);
      continue;
    }
    const selected = await entry.select.evaluate(answer, session.bindings());
    out.metadata[entry.name] = selected;
    if (!entry.optional) continue;
    const present = new Set(asNames(selected));
    out.optional[entry.name] = wanted.filter((f) => present.has(f));
    const missing = wanted.filter((f) => !present.has(f));
    if (missing.length) out.warnings.push(`${where}: this ERP's ${entry.name} has no ${missing.join(', ')}; the orders are read without ${missing.length === 1 ? 'it' : 'them'}.`);
  }
  return out;
}
