// An ERP profile: how one ERP's API is called and how its fields map to ours. Pure data (JSON), checked
// by schemas/erp-profile.schema.json; every string marked JSONata is an expression over the bindings named.
import type { ChangeTimeFormat } from '../../time-format';

/** One HTTP call. `path` is relative to the endpoint's base URL; `{name}` is filled from the bindings (URL-encoded). */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'HEAD';
  path: string;
  /** JSONata → object of query parameters (undefined values are left out). */
  query?: string;
  /** JSONata → object of extra headers. */
  headers?: string;
  /** JSONata → the JSON body. */
  body?: string;
  /** 'text': the answer is kept as text, not parsed (SAP's $metadata is EDMX XML). Default 'json'. */
  answer?: 'json' | 'text';
}

export type AuthSpec =
  | { kind: 'none' }
  | { kind: 'basic' }
  | { kind: 'bearer' }
  /** A header built from the credentials, e.g. ERPNext's "Authorization: token key:secret". */
  | { kind: 'token-header'; header: string; value: string /* JSONata over $credentials */ }
  /** Log in once, keep the session (cookies and/or a token from the answer), log in again when it expires. */
  | {
      kind: 'session';
      login: RequestSpec; // bindings: $credentials
      /** JSONata over the login answer → a message when the login failed (undefined/false = success). */
      loginError?: string;
      /** JSONata over the login answer → a token kept as $session.token (e.g. Odoo's uid). */
      token?: string;
      /** JSONata over any answer ($status, $headers bound) → true when the session has expired. */
      expired?: string;
    }
  /** A signature header computed per request, e.g. HMAC-SHA256 of timestamp + path. */
  | { kind: 'signed'; header: string; algorithm: 'sha256' | 'hmac-sha256'; message: string /* JSONata over $credentials, $timestamp, $path */; value?: string /* JSONata, $signature bound */ };

/** SAP's rule for writes: fetch an x-csrf-token (with its cookies) first; a 403 "Required" means fetch again, once. */
export interface CsrfSpec {
  fetch: RequestSpec;
  header: string;
}

export type PagingSpec =
  | { kind: 'offset' } // $offset/$limit, stop on a short page
  | { kind: 'page'; first: 0 | 1 } // $page/$limit
  | { kind: 'next-link'; next: string /* JSONata over the answer → next URL or undefined */ }
  | { kind: 'total'; total: string /* JSONata over the answer → total count */ };

/**
 * What this ERP install has, asked once at connect: field lists from the ERP's own metadata (SAP $metadata,
 * ERPNext doctype meta, Odoo fields_get, Kingdee QueryBusinessInfo) and small lookups (Odoo warehouse codes).
 * Each answer (through `select`) is bound as $metadata.<name> in every later expression.
 */
export interface MetadataSpec {
  request: RequestSpec;
  /** JSONata over the answer → the value kept; for an entry with `optional`, the array of field names this install has. */
  select: string;
  /**
   * JSONata ($params bound) → names of fields the preset uses when this install has them. Those present are
   * bound as $optional.<name>; those absent are left out of every request, with one warning.
   */
  optional?: string;
}

/** A setting the integrator fills in the erp-endpoint dialog, bound as $params.<name>; labels are in the locales (erp-endpoint.setting.<name>). */
export interface ProfileSetting {
  name: string;
  type: 'string' | 'number' | 'select';
  default?: string | number;
  /** The endpoint refuses to start without it. */
  required?: boolean;
  /** For a select: the values it offers. */
  options?: string[];
  /** Besides $params, the setting sets this part of the profile: the ERP's time zone, or a cap on the page size. */
  applies?: 'changeTime.timeZone' | 'pull.maxPageSize';
}

export interface PullSpec {
  /** Bindings: $since (the watermark in the ERP's format, or undefined on a first run), $sinceIso, $offset, $limit, $page, $credentials, $session. */
  request: RequestSpec;
  changeTime: { format: ChangeTimeFormat; timeZone: string };
  pageSize: number;
  maxPageSize?: number;
  paging: PagingSpec;
  /** JSONata over the answer → the array of items. */
  items: string;
  /** Rows that arrive as arrays are zipped with these names into objects first (or a JSONata → the names, when they depend on $optional). */
  columns?: string[] | string;
  /** JSONata over the answer ($status bound) → an error message when an answer (even a 200) is an error. */
  error?: string;
  /**
   * Requests per item for what the list leaves out (child tables, operations, components); bindings: $item.
   * Each answer (through `select`) is bound in map as $details.<name>.
   */
  details?: Record<string, { request: RequestSpec; select?: string /* JSONata over the answer */ }>;
  /**
   * Requests per page, not per item, for what several items need from elsewhere (Odoo: the MO a backorder was
   * split off); bindings: $items (the page's raw items). `when` (JSONata, $items bound) → false skips the request
   * for this page. Each answer (through `select`) is bound in map as $lookups.<name>.
   */
  pageLookups?: Record<string, { request: RequestSpec; select?: string; when?: string }>;
  /** Asked once at connect; see MetadataSpec. */
  metadata?: Record<string, MetadataSpec>;
  /** JSONata over one item ($details, $lookups, $params, $metadata, $optional bound) → a production order (schemas/production-order.schema.json). */
  map: string;
  /** Re-read this many seconds below the watermark; the delivered map drops what was sent (1-second filters). */
  overlapSeconds?: number;
}

export interface PushSpec {
  /**
   * Calls made before the write, in order, each answer bound as $prepared.<name> for the next ones
   * (find a record's id, ask the ERP for a draft to fill in).
   */
  prepare?: Record<string, RequestSpec>;
  /**
   * JSONata over what the prepare calls found so far ($prepared, $confirmation bound), asked after each of them →
   * a sentence when the ERP holds nothing this confirmation can be written to (ERPNext: a Work Order without a
   * Job Card). The confirmation is refused for good with that sentence and nothing is written.
   */
  refuse?: string;
  /** Bindings: $confirmation (schemas/confirmation), $key (idempotency key), $prepared, $credentials, $session. */
  request: RequestSpec;
  error?: string;
  /** JSONata over the answer → the ERP's id of what was written. */
  resultId?: string;
  /**
   * Calls made after the write, in order ($written = the write's answer, $id = its id; each answer bound as
   * $then.<name>): SAP-free ERPs need a document submitted (ERPNext), audited (Kingdee) or a button pressed (Odoo).
   */
  then?: Record<string, { request: RequestSpec; /** JSONata → false to leave the step out for this confirmation. */ when?: string }>;
  idempotency:
    /** The ERP refuses a second write with the same key in the body; `duplicate` (JSONata, $status bound) recognises that refusal. */
    | { kind: 'body-key'; duplicate?: string }
    /**
     * Look the key up before writing. An ERP may ignore a filter on a field it cannot filter (or lacks): the
     * records the lookup answers are only candidates, and one counts only when `carries` says it holds this key.
     */
    | {
        kind: 'lookup';
        request: RequestSpec;
        /** JSONata over the answer → the candidate records (an array or one record). */
        found: string;
        /** JSONata over one candidate ($key, $confirmation bound) → true when that record carries this key. */
        carries: string;
        /** JSONata over the candidate that carries the key → its id. */
        foundId: string;
        /**
         * JSONata over that candidate → true when the `then` steps have not all run on it (a retry after the write
         * went through but a later step failed): they run then, with $found bound, each under its `when`.
         */
        pending?: string;
      };
}

/** A confirmation push, with other pushes for some activities (ERPNext: job card time logs, but a stock entry for a goods receipt). */
export type ConfirmationPushSpec = PushSpec & { byActivity?: Partial<Record<ConfirmationActivity, PushSpec>> };

export interface ErpProfile {
  id: string;
  name: string;
  description?: string;
  /** The settings this profile reads as $params, shown as named fields in the erp-endpoint dialog. */
  settings?: ProfileSetting[];
  /** The ERP versions the preset was checked against, for the README and the dialog. */
  versions?: string;
  auth: AuthSpec;
  csrf?: CsrfSpec;
  /** JSONata → headers sent with every request, e.g. Odoo's X-Odoo-Database. */
  headers?: string;
  pull: PullSpec;
  push?: { confirmation?: ConfirmationPushSpec };
}

/** What the bridge writes back to the ERP when an operation reports progress (schemas/confirmation.schema.json). */
export interface Confirmation {
  orderNo: string;
  opNo: string;
  yieldQty: number;
  scrapQty: number;
  unit: string;
  finalConfirmation: boolean;
  postedAt: string;
  /** The idempotency key: the same report always carries the same key. */
  key: string;
  workCentre?: string;
  operator?: string;
  productCode?: string;
  plant?: string;
  /** What happened: a progress confirmation (default), the start or finish of the operation, the order finished, the finished goods received. */
  activity?: ConfirmationActivity;
  /** Activity times in minutes (setup, machine, labour) and when the work ran. */
  setupMin?: number;
  machineMin?: number;
  labourMin?: number;
  startedAt?: string;
  finishedAt?: string;
}

export type ConfirmationActivity = 'confirm' | 'start' | 'finish' | 'order-finish' | 'goods-receipt';
