// What a node shows when a call to the ERP failed: a locale key and its values, never a raw key, and for
// a permanent failure the ERP's own words (shortened to fit under the node), so the planner sees at a
// glance "Unknown column 'tabWork Order.custom_plant'…" rather than "fetch failed".
import { ErpRequestError } from './http-client';

export interface FailureStatus {
  /** A key under <node type>.status (e.g. "permanent"), to be looked up with RED._. */
  key: 'permanent' | 'auth' | 'config' | 'timeout' | 'malformed' | 'http' | 'unreachable' | 'erp' | 'failed';
  values: Record<string, string>;
  /** Asking again cannot help: no backoff retry (the schedule still runs; the ERP or the profile must change). */
  permanent: boolean;
}

/** The status text budget: Node-RED shows statuses under the node, and long ones cover the flow. */
const WORDS_MAX = 48;

export function shortWords(text: string, max = WORDS_MAX): string {
  // "OperationalError: pymysql.err.OperationalError: (1054, …)": the exception names say less than what follows them.
  const one =
    text
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/^(?:[\w.]*(?:Error|Exception|Fault)\s*:\s*)+/, '') || text.trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function failureStatus(err: unknown): FailureStatus {
  if (!(err instanceof ErpRequestError)) return { key: 'failed', values: {}, permanent: false };
  const permanent = err.permanent;
  const words = err.erpWords ? shortWords(err.erpWords) : undefined;
  if (err.failure === 'config') return { key: 'config', values: {}, permanent };
  if (err.failure === 'auth') return { key: 'auth', values: {}, permanent };
  if (permanent && words) return { key: 'permanent', values: { words }, permanent };
  switch (err.failure) {
    case 'timeout':
    case 'malformed':
    case 'unreachable':
      return { key: err.failure, values: {}, permanent };
    case 'status':
      return { key: 'http', values: { status: String(err.status ?? '') }, permanent };
    default:
      return words ? { key: 'erp', values: { words }, permanent } : { key: 'failed', values: {}, permanent };
  }
}
