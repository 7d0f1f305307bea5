// Writes a confirmation (progress of one operation) back to the ERP through its profile, exactly once
// per idempotency key: either the ERP refuses a second write with the same key in the body, or the
// profile looks the key up first and skips the write when a record the ERP answers really carries it
// (an ERP may ignore a filter on a field it cannot filter: its answer is only a list of candidates).
import { ErpRequestError } from '../http-client';
import { type CompiledExpression, compileExpression } from './expressions';
import { type CompiledRequest, type ProfileSession, compileRequest } from './session';
import { compileMetadata, discover } from './discovery';
import type { Confirmation, PushSpec } from './types';

export interface PushResult {
  /** The ERP's id of the confirmation (new or found). */
  id?: string;
  /** True when the ERP already had this key and nothing was written. */
  alreadyThere: boolean;
}

export type ConfirmationWriter = (confirmation: Confirmation) => Promise<PushResult>;

export function profileConfirmationWriter(session: ProfileSession): ConfirmationWriter {
  const { profile } = session;
  const spec = profile.push?.confirmation;
  if (!spec) throw new Error(`ERP profile '${profile.name}' has no push.confirmation: it cannot write confirmations back.`);
  const writers = new Map<string, ConfirmationWriter>();
  for (const [activity, other] of Object.entries(spec.byActivity ?? {})) writers.set(activity, specWriter(session, other, `push.confirmation.byActivity.${activity}`));
  const fallback = specWriter(session, spec, 'push.confirmation');
  // What this install has ($optional, e.g. Odoo 17 without mrp.workorder.sequence) is known before the first write,
  // as before the first pull: the writes name only fields the install has.
  const metadata = compileMetadata(profile);
  return async (confirmation) => {
    if (metadata.length > 0) await session.discoverOnce(() => discover(session, metadata, undefined));
    return (writers.get(confirmation.activity ?? 'confirm') ?? fallback)(confirmation);
  };
}

function specWriter(session: ProfileSession, spec: PushSpec, at: string): ConfirmationWriter {
  const { profile } = session;
  const tz = profile.pull.changeTime.timeZone;
  const expr = (src: string | undefined, field: string): CompiledExpression | undefined => (src === undefined ? undefined : compileExpression(src, field, profile.name, tz));
  const write: CompiledRequest = compileRequest(spec.request, `${at}.request`, profile);
  const prepare = Object.entries(spec.prepare ?? {}).map(([name, request]) => ({ name, request: compileRequest(request, `${at}.prepare.${name}`, profile) }));
  const error = expr(spec.error, `${at}.error`);
  const refuse = expr(spec.refuse, `${at}.refuse`);
  const resultId = expr(spec.resultId, `${at}.resultId`);
  const duplicate = spec.idempotency.kind === 'body-key' ? expr(spec.idempotency.duplicate, `${at}.idempotency.duplicate`) : undefined;
  const lookup =
    spec.idempotency.kind === 'lookup'
      ? {
          request: compileRequest(spec.idempotency.request, `${at}.idempotency.request`, profile),
          found: expr(spec.idempotency.found, `${at}.idempotency.found`)!,
          carries: expr(spec.idempotency.carries, `${at}.idempotency.carries`)!,
          foundId: expr(spec.idempotency.foundId, `${at}.idempotency.foundId`)!,
          pending: expr(spec.idempotency.pending, `${at}.idempotency.pending`),
        }
      : undefined;
  const then = Object.entries(spec.then ?? {}).map(([name, step]) => ({
    name,
    request: compileRequest(step.request, `${at}.then.${name}.request`, profile),
    when: expr(step.when, `${at}.then.${name}.when`),
  }));

  /** The steps after the write, in order, each answer bound as $then.<name> for the next. */
  const runThen = async (base: Record<string, unknown>): Promise<void> => {
    const after: Record<string, unknown> = {};
    for (const step of then) {
      const b = { ...base, then: after };
      if (step.when && (await step.when.evaluate({}, b)) !== true) continue;
      after[step.name] = (await session.call(step.request, b, { write: true, error })).answer;
    }
  };

  return async (confirmation) => {
    const bindings = { confirmation, key: confirmation.key };
    if (lookup) {
      const existing = await session.call(lookup.request, bindings, { error });
      const found = await lookup.found.evaluate(existing.answer, bindings);
      const candidates = found === undefined || found === null || found === false ? [] : Array.isArray(found) ? found : [found];
      for (const candidate of candidates) {
        // Only an exact true counts: a filter the ERP ignored must not make another key's record a duplicate.
        if ((await lookup.carries.evaluate(candidate, bindings)) !== true) continue;
        const erpId = await lookup.foundId.evaluate(candidate, bindings);
        const id = erpId === undefined || erpId === null ? undefined : String(erpId);
        // Written before, but a step after the write failed (the retry that brought us here): finish the steps.
        if (lookup.pending && (await lookup.pending.evaluate(candidate, bindings)) === true) await runThen({ ...bindings, prepared: {}, written: undefined, id, found: candidate });
        return { id, alreadyThere: true };
      }
    }
    const prepared: Record<string, unknown> = {};
    for (const step of prepare) {
      const result = await session.call(step.request, { ...bindings, prepared }, { error });
      prepared[step.name] = result.answer;
      const why = refuse ? await refuse.evaluate({}, { ...bindings, prepared }) : undefined;
      if (typeof why === 'string' && why !== '') {
        throw new ErpRequestError(`${session.client.where(result.url)} cannot take confirmation ${confirmation.key}: ${why}.`, 'refused', result.url.href, undefined, why);
      }
    }
    const answered = await session.call(write, { ...bindings, prepared }, { write: true, unchecked: true });
    const seenBefore = duplicate ? Boolean(await duplicate.evaluate(answered.answer, { ...bindings, status: answered.status })) : false;
    const result = seenBefore ? answered : await session.check(answered, error);
    const id = resultId ? await resultId.evaluate(result.answer, bindings) : undefined;
    if (resultId && (id === undefined || id === null)) {
      throw new ErpRequestError(`${session.client.where(result.url)} accepted the confirmation ${confirmation.key} but its answer has no id where ${at}.resultId points.`, 'malformed', result.url.href, result.status);
    }
    if (!seenBefore) await runThen({ ...bindings, prepared, written: result.answer, id });
    return { id: id === undefined ? undefined : String(id), alreadyThere: seenBefore };
  };
}
