// Reads production orders through a profile: "give me `limit` orders changed since T, skipping the
// first `offset` at T" — the question erp-order-fetch's keyset paging asks — answered with whatever
// paging this ERP has (offset/limit, page index, next links, total count), then mapped with JSONata.
import type { OrdersPage, OrdersPageReader, OrdersPageRequest } from '../orders-page';
import { ErpRequestError } from '../http-client';
import { type CompiledExpression, compileExpression } from './expressions';
import { type CompiledRequest, type ProfileSession, compileRequest } from './session';
import { formatChangeTime } from './time-format';
import type { ErpProfile } from './types';

interface CompiledPull {
  request: CompiledRequest;
  items: CompiledExpression;
  error?: CompiledExpression;
  map: CompiledExpression;
  next?: CompiledExpression;
  total?: CompiledExpression;
  detail?: { request: CompiledRequest; select?: CompiledExpression };
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
    detail: pull.detail && {
      request: compileRequest(pull.detail.request, 'pull.detail.request', profile),
      select: pull.detail.select === undefined ? undefined : expr(pull.detail.select, 'pull.detail.select'),
    },
  };
}

export function profileOrdersReader(session: ProfileSession): OrdersPageReader {
  const { profile } = session;
  const pull = profile.pull;
  const compiled = compilePull(profile);

  async function fetchRaw(since: string | undefined, sinceIso: string | undefined, offset: number, limit: number, url?: string) {
    const page = pull.paging.kind === 'page' ? pull.paging.first + Math.floor(offset / limit) : undefined;
    const result = await session.call(compiled.request, { since, sinceIso, offset, limit, page, pageSize: limit }, { error: compiled.error, url });
    const items = await compiled.items.evaluate(result.answer);
    const list = items === undefined ? [] : Array.isArray(items) ? items : [items];
    if (items !== undefined && !Array.isArray(items) && typeof items !== 'object') {
      throw new ErpRequestError(`${session.client.where(result.url)} answered without a list of orders where the profile's pull.items (${pull.items}) points.`, 'malformed', result.url.href);
    }
    const next = compiled.next ? ((await compiled.next.evaluate(result.answer)) as string | undefined) : undefined;
    const total = compiled.total ? Number(await compiled.total.evaluate(result.answer)) : undefined;
    return { list, next, total };
  }

  async function mapItem(raw: unknown): Promise<unknown> {
    const item = pull.columns && Array.isArray(raw) ? Object.fromEntries(pull.columns.map((c, i) => [c, raw[i]])) : raw;
    let detail: unknown;
    if (compiled.detail) {
      const result = await session.call(compiled.detail.request, { item }, { error: compiled.error });
      detail = compiled.detail.select ? await compiled.detail.select.evaluate(result.answer) : result.answer;
    }
    return compiled.map.evaluate(item, { detail });
  }

  return async ({ updatedSince, offset, limit: wanted }: OrdersPageRequest): Promise<OrdersPage> => {
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
    const items: unknown[] = [];
    const problems: NonNullable<OrdersPage['problems']> = [];
    for (const raw of raws.slice(0, wanted)) {
      try {
        items.push(await mapItem(raw));
      } catch (err) {
        problems.push({ item: raw, message: (err as Error).message });
      }
    }
    return { items, problems };
  };
}
