// The generic JSON REST profile: the demo simulator's API, and the starting point for an in-house ERP.
import type { ErpProfile } from '../profile/types';

export const genericRest: ErpProfile = {
  id: 'generic-rest',
  name: 'Generic JSON REST',
  description:
    "The demo simulator's API and a starting point for an in-house ERP: GET production-orders?updatedSince=&offset=&limit= answering { items } already in the production-order shape; POST confirmations with the idempotency key in the body (a repeat answers 409 with the existing id).",
  auth: {
    kind: 'basic',
  },
  pull: {
    request: {
      method: 'GET',
      path: 'production-orders',
      query: '{ "updatedSince": $since, "offset": $offset, "limit": $limit }',
    },
    changeTime: {
      format: 'iso',
      timeZone: 'Asia/Shanghai',
    },
    pageSize: 100,
    maxPageSize: 1000,
    paging: {
      kind: 'offset',
    },
    items: 'items',
    map: '$',
    overlapSeconds: 0,
  },
  push: {
    confirmation: {
      request: {
        method: 'POST',
        path: 'confirmations',
        body: '$confirmation',
      },
      error: '$status >= 400 ? error',
      resultId: 'id',
      idempotency: {
        kind: 'body-key',
        duplicate: '$status = 409',
      },
    },
  },
};
