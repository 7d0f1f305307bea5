// How the bridge reads what the MES holds: its work-order list over HTTP GET, page by page, with the list's
// shape (where the items are, which fields carry order no, revision and state) set by configuration, since
// every MES names them its own way. Used by reconciliation (mes-reconcile.ts).

/** What the MES says it holds of one order. */
export interface MesHeldOrder {
  orderNo: string;
  revision?: number;
  state?: string;
}

/** Where things are in the MES's answer: dotted paths ("items", "source.revision"); an empty path = absent. */
export interface MesListShape {
  itemsPath: string;
  totalPath: string;
  orderNoPath: string;
  revisionPath: string;
  statePath: string;
  pageParam: string;
  sizeParam: string;
  pageSize: number;
  /** The number of the first page (1 for most MES APIs, 0 for some). */
  firstPage: number;
}

export const DEFAULT_SHAPE: MesListShape = {
  itemsPath: 'items',
  totalPath: 'total',
  orderNoPath: 'workOrderNo',
  revisionPath: 'source.revision',
  statePath: 'status',
  pageParam: 'page',
  sizeParam: 'pageSize',
  pageSize: 100,
  firstPage: 1,
};

/** Reads one page: the parsed JSON body of the answer. */
export type MesPageReader = (page: number, pageSize: number) => Promise<unknown>;

export function pathValue(from: unknown, path: string): unknown {
  if (path === '') return from;
  let at: unknown = from;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** The whole list, page after page, until a short page or the total; bounded by `maxOrders`. */
export async function readMesOrderList(readPage: MesPageReader, shape: MesListShape, maxOrders = 100_000): Promise<MesHeldOrder[]> {
  const held: MesHeldOrder[] = [];
  let previous = '';
  for (let page = shape.firstPage; ; page += 1) {
    const body = await readPage(page, shape.pageSize);
    const items = pathValue(body, shape.itemsPath);
    if (!Array.isArray(items)) throw new Error(`the MES order list has no list at '${shape.itemsPath || '(the body)'}' on page ${page}.`);
    const orders = items.map((item, i) => heldOrder(item, shape, page, i));
    const signature = orders.length === 0 ? '' : `${orders[0].orderNo}|${orders[orders.length - 1].orderNo}|${orders.length}`;
    if (signature !== '' && signature === previous) throw new Error(`the MES served the same page twice (page ${page}); it seems to ignore the '${shape.pageParam}' parameter.`);
    previous = signature;
    held.push(...orders);
    if (held.length > maxOrders) throw new Error(`the MES order list is longer than ${maxOrders} orders; the check stops there.`);
    const total = shape.totalPath ? Number(pathValue(body, shape.totalPath)) : NaN;
    if (items.length < shape.pageSize || (Number.isFinite(total) && held.length >= total)) return held;
  }
}

function heldOrder(item: unknown, shape: MesListShape, page: number, index: number): MesHeldOrder {
  const orderNo = pathValue(item, shape.orderNoPath);
  if (typeof orderNo !== 'string' || orderNo === '') {
    throw new Error(`item ${index + 1} on page ${page} of the MES order list has no order number at '${shape.orderNoPath}'.`);
  }
  const revision = shape.revisionPath ? Number(pathValue(item, shape.revisionPath)) : NaN;
  const state = shape.statePath ? pathValue(item, shape.statePath) : undefined;
  return { orderNo, ...(Number.isFinite(revision) && { revision }), ...(typeof state === 'string' && { state }) };
}

export interface HttpListOptions {
  /** The list's URL; the page parameters are added to its query. */
  url: string;
  /** Sent as Authorization: Bearer …, when set. */
  token?: string;
  timeoutMs: number;
  shape: MesListShape;
}

/** A page reader over HTTP GET; errors are sentences naming the URL and the status. */
export function httpMesPageReader(options: HttpListOptions): MesPageReader {
  return async (page, pageSize) => {
    const url = new URL(options.url);
    url.searchParams.set(options.shape.pageParam, String(page));
    url.searchParams.set(options.shape.sizeParam, String(pageSize));
    const where = `${url.origin}${url.pathname}`;
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: 'application/json', ...(options.token && { authorization: `Bearer ${options.token}` }) },
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (err) {
      const cause = (err as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs / 1000} s` : ((err as { cause?: Error }).cause?.message ?? (err as Error).message);
      throw new Error(`the MES order list at ${where} could not be read: ${cause}.`, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`the MES order list at ${where} answered ${res.status}: ${said(text)}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`the MES order list at ${where} did not answer JSON (page ${page}).`);
    }
  };
}

/** What an error answer says: its JSON error/message field when it has one, else the start of its text. */
function said(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const what = typeof body.error === 'string' ? body.error : typeof body.message === 'string' ? body.message : undefined;
    if (what) return what.endsWith('.') ? what : `${what}.`;
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 200) || '(no body).';
}
