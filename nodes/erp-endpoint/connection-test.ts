// The editor's "Test connection": one page from the ERP with the dialog's settings, the first order
// mapped and checked, or the exact error — so an integrator sees at once whether a profile works.
import { type EndpointSettings, type EnvLookup, openEndpoint, withEnvironment } from '../lib/erp/endpoint';
import { profileOrdersReader } from '../lib/erp/profile';
import { validate } from '../lib/validation';

export type ConnectionTestResult = { ok: true; orders: number; first?: unknown; valid: boolean; problem?: string; warnings: string[] } | { ok: false; error: string };

export async function connectionTest(settings: EndpointSettings, stored: { password?: string; token?: string }, env: EnvLookup): Promise<ConnectionTestResult> {
  let client;
  try {
    const open = openEndpoint(withEnvironment(settings, env), stored, env);
    client = open.client;
    const warnings: string[] = [];
    open.session.onWarning = (message) => warnings.push(message);
    const page = await profileOrdersReader(open.session)({ offset: 0, limit: Math.min(5, open.profile.pull.pageSize) });
    const first = page.items[0];
    if (first === undefined && page.problems?.length) return { ok: true, orders: 0, valid: false, problem: page.problems[0].message, warnings };
    const check = first === undefined ? { ok: true as const } : validate('production-order', first);
    return { ok: true, orders: page.items.length, first, valid: check.ok, warnings, ...(check.ok ? {} : { problem: check.message }) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    client?.close();
  }
}
