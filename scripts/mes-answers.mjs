// How the demo flows answer a MES post that a node failed on (from their Catch nodes): 503 + Retry-After when the
// store failed (error.code STORE_UNAVAILABLE: nothing was applied, post again), 400 naming the field otherwise
// (the data is wrong: do not send it again as it is). Before, both were 400, and a MES dropped what it could resend.
export const STORE_UNAVAILABLE = 'STORE_UNAVAILABLE';
/** Seconds a MES is asked to wait after a store failure. */
export const RETRY_AFTER_SEC = 5;

export const REFUSED_OR_UNAVAILABLE_NAME = '400 拒收 / 503 稍后重试 refused / retry';

export const REFUSED_OR_UNAVAILABLE_RULES = [
  { t: 'set', p: 'statusCode', pt: 'msg', to: `error.code = "${STORE_UNAVAILABLE}" ? 503 : 400`, tot: 'jsonata' },
  { t: 'set', p: 'headers', pt: 'msg', to: `error.code = "${STORE_UNAVAILABLE}" ? { "Retry-After": "${RETRY_AFTER_SEC}" } : {}`, tot: 'jsonata' },
  { t: 'set', p: 'payload', pt: 'msg', to: '{ "error": error.message }', tot: 'jsonata' },
];
