// Reads production orders through a profile: "give me `limit` orders changed since T, skipping the
// first `offset` at T" — the question erp-order-fetch's keyset paging asks — answered with whatever
// paging this ERP has (offset/limit, page index, next links, total count), then mapped with JSONata.
import type { OrdersPage, OrdersPageReader, OrdersPageRequest } from '../orders-page';
import { ErpRequestError } from '../http-client';
import { type CompiledExpression, compileExpression } from './expressions';
import { type CompiledRequest, type ProfileSession, compileRequest } from './session';
import { compileMetadata, discover } from './discovery';
import { formatChangeTime } from '../../time-format';
import type { ErpProfile } from './types';

interface CompiledPull {
  request: CompiledRequest;
  items: CompiledExpression;
  error?: CompiledExpression;
  map: CompiledExpression;
  next?: CompiledExpression;
  total?: CompiledExpression;
  details: Array<{ name: string; request: CompiledRequest; select?: CompiledExpression }>;
  lookups: Array<{ name: string; request: CompiledRequest; select?: CompiledExpression; when?: CompiledExpression }>;
  columns?: CompiledExpression;
}

function compilePull(profile: ErpProfile): CompiledPull {
  const pull = profile.pull;
  const tz = pull.changeTime.timeZone;
  const expr = (src: string, field: string) => compileExpression(src, field, profile.name, tz);
  return {
    request: compileRequest(pull.request, 'pull.request', profile),
    items: expr(pull.items, 'pull.items'),
    error: pull.error === undefined ? undefined : expr(pull.error, 'pull.error'),
    map: expr(pull.map, 'pull.map'),
    next: pull.paging.kind === 'next-link' ? expr(pull.paging.next, 'pull.paging.next') : undefined,
    total: pull.paging.kind === 'total' ? expr(pull.paging.total, 'pull.paging.total') : undefined,
    columns: typeof pull.columns === 'string' ? expr(pull.columns, 'pull.columns') : undefined,
    details: Object.entries(pull.details ?? {}).map(([name, d]) => ({
      name,
      request: compileRequest(d.request, `pull.details.${name}.request`, profile),
      select: d.select === undefined ? undefined : expr(d.select, `pull.details.${name}.select`),
    })),
    lookups: Object.entries(pull.pageLookups ?? {}).map(([name, l]) => ({
      name,
      request: compileRequest(l.request, `pull.pageLookups.${name}.request`, profile),
      select: l.select === undefined ? undefined : expr(l.select, `pull.pageLookups.${name}.select`),
      when: l.when === undefined ? undefined : expr(l.when, `pull.pageLookups.${name}.when`),
    })),
  };
}

/** How many per-item detail requests are in flight at once: enough to hide latency, few enough to be polite. */
const DETAIL_CONCURRENCY = 6;

type Mapped = { ok: true; value: unknown } | { ok: false; raw: unknown; message: string };

async function mapConcurrently(raws: unknown[], width: number, map: (raw: unknown) => Promise<unknown>): Promise<Mapped[]> {
  const results: Mapped[] = new Array(raws.length);
  let next = 0;
  const worker = async () => {
    while (next < raws.length) {
      const i = next++;
      try {
        results[i] = { ok: true, value: await map(raws[i]) };
      } catch (err) {
        // A failed call fails the page (nothing may be skipped); only a mapping that fails is this item's problem.
        if (err instanceof ErpRequestError) throw err;
        results[i] = { ok: false, raw: raws[i], message: (err as Error).message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, raws.length) }, worker));
  return results;
}

export function profileOrdersReader(session: ProfileSession): OrdersPageReader {
  const { profile } = session;
  const pull = profile.pull;
  const compiled = compilePull(profile);
  const metadata = compileMetadata(profile);

  async function fetchRaw(since: string | undefined, sinceIso: string | undefined, offset: number, limit: number, url?: string) {
    const page = pull.paging.kind === 'page' ? pull.paging.first + Math.floor(offset / limit) : undefined;
    const result = await session.call(compiled.request, { since, sinceIso, offset, limit, page, pageSize: limit }, { error: compiled.error, url });
    const items = await compiled.items.evaluate(result.answer, session.bindings());
    const list = items === undefined ? [] : Array.isArray(items) ? items : [items];
    if (items !== undefined && !Array.isArray(items) && typeof items !== 'object') {
      throw new ErpRequestError(`${session.client.where(result.url)} answered without a list of orders where the profile's pull.items (${pull.items}) points.`, 'malformed', result.url.href);
    }
    const next = compiled.next ? ((await compiled.next.evaluate(result.answer)) as string | undefined) : undefined;
    const total = compiled.total ? Number(await compiled.total.evaluate(result.answer)) : undefined;
    return { list, next, total };
  }

  let columns: string[] | undefined = Array.isArray(pull.columns) ? pull.columns : undefined;
  // Rows served as arrays (Kingdee) get their column names first, so a row that fails mapping is reported (and parked) by name.
  const asRecord = (raw: unknown): unknown => (columns && Array.isArray(raw) ? Object.fromEntries(columns.map((c, i) => [c, raw[i]])) : raw);

  async function mapItem(item: unknown, lookups: Record<string, unknown>): Promise<unknown> {
    const details: Record<string, unknown> = {};
    for (const d of compiled.details) {
      const result = await session.call(d.request, { item }, { error: compiled.error });
      details[d.name] = d.select ? await d.select.evaluate(result.answer, session.bindings({ item })) : result.answer;
    }
    return compiled.map.evaluate(item, session.bindings({ details, lookups }));
  }

  /** One request per page for what its items need from elsewhere; a page that needs none asks nothing. */
  async function lookUp(items: unknown[]): Promise<Record<string, unknown>> {
    const found: Record<string, unknown> = {};
    for (const l of compiled.lookups) {
      if (l.when && !(await l.when.evaluate({}, session.bindings({ items })))) continue;
      const result = await session.call(l.request, { items }, { error: compiled.error });
      found[l.name] = l.select ? await l.select.evaluate(result.answer, session.bindings({ items })) : result.answer;
    }
    return found;
  }

  return async ({ updatedSince, offset, limit: wanted }: OrdersPageRequest): Promise<OrdersPage> => {
    // What this install has is asked once, before the first page: the requests leave out what it lacks.
    if (metadata.length > 0) await session.discoverOnce(() => discover(session, metadata, compiled.error));
    // Columns that depend on what the install has are known once discovery ran.
    if (compiled.columns) columns = ((await compiled.columns.evaluate({}, session.bindings())) as string[] | undefined) ?? [];
    const limit = Math.min(wanted, pull.maxPageSize ?? wanted);
    const since = updatedSince === undefined ? undefined : formatChangeTime(updatedSince, pull.changeTime.format, pull.changeTime.timeZone);
    const raws: unknown[] = [];
    // A page index cannot start in the middle of a page: read from the page holding `offset`, drop what comes before.
    let drop = pull.paging.kind === 'page' ? offset % limit : 0;
    let position = offset - drop;
    let url: string | undefined;
    for (let guard = 0; guard < 10_000; guard++) {
      const { list, next, total } = await fetchRaw(since, updatedSince, position, limit, url);
      raws.push(...list.slice(drop));
      drop = 0;
      position += list.length;
      const exhausted = list.length === 0 || (total !== undefined && position >= total) || (pull.paging.kind === 'next-link' ? !next : list.length < limit);
      if (exhausted || raws.length >= wanted) break;
      url = pull.paging.kind === 'next-link' ? next : undefined;
    }
    // Detail requests go out a few at a time; the page keeps the ERP's order.
    const page = raws.slice(0, wanted).map(asRecord);
    const lookups = compiled.lookups.length > 0 && page.length > 0 ? await lookUp(page) : {};
    const mapped = await mapConcurrently(page, compiled.details.length > 0 ? DETAIL_CONCURRENCY : 1, (item) => mapItem(item, lookups));
    const items: unknown[] = [];
    const problems: NonNullable<OrdersPage['problems']> = [];
    for (const m of mapped) {
      if (m.ok) items.push(m.value);
      else problems.push({ item: m.raw, message: m.message });
    }
    return { items, problems };
  };
}
