// The generic JSON REST profile (the demo simulator's): GET <ordersPath>?updatedSince=&offset=&limit=
// answering { items: [...] } with items in our production-order shape, sorted by (updatedAt, orderNo).
import { ErpHttpClient, ErpRequestError } from './http-client';

export interface OrdersPageRequest {
  /** Inclusive lower bound on the ERP's change time; undefined = from the beginning. */
  updatedSince?: string;
  offset: number;
  limit: number;
}

export interface OrdersPage {
  items: unknown[];
}

export type OrdersPageReader = (request: OrdersPageRequest) => Promise<OrdersPage>;

export function genericRestOrdersReader(client: ErpHttpClient, ordersPath: string): OrdersPageReader {
  return async ({ updatedSince, offset, limit }) => {
    const answer = await client.getJson(ordersPath, { updatedSince, offset, limit });
    const items = (answer as { items?: unknown } | null)?.items;
    if (!Array.isArray(items)) {
      const url = client.url(ordersPath).href;
      throw new ErpRequestError(`ERP endpoint '${client.connection.name}' (${url}) answered without an "items" array; is the orders path right?`, 'malformed', url);
    }
    return { items };
  };
}
