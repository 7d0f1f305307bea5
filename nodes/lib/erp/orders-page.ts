// The one question erp-order-fetch asks an ERP, whatever its API: "the next `limit` orders changed
// since T (inclusive), skipping the first `offset` of those at exactly T".

export interface OrdersPageRequest {
  /** Inclusive lower bound on the ERP's change time (ISO 8601); undefined = from the beginning. */
  updatedSince?: string;
  offset: number;
  limit: number;
}

export interface OrdersPage {
  /** Items in the production-order shape (still to be validated). */
  items: unknown[];
  /** Items the ERP served that could not be read (a mapping failed); reported, never silently dropped. */
  problems?: Array<{ item: unknown; message: string }>;
}

export type OrdersPageReader = (request: OrdersPageRequest) => Promise<OrdersPage>;
