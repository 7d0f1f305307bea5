// The workflow REST API on Node-RED's admin app (its login and permissions): pending overdraw approvals and
// the signed decision on them (21 CFR Part 11: the approver re-enters the password (signature.ts), the signature names the
// logged-in user, the server's time, the meaning and the reason), open exceptions and their acknowledgement
// and resolution by the logged-in user, and the audit trail with each entry's verification state and the
// keyed chain's check (audit-routes.ts).
import type { Request, Response } from 'express';
import type { ExceptionState } from '../../nodes/lib/escalation/types';
import { approvalDeskFor, approvalDesks, exceptionDeskFor, exceptionDesks } from '../../nodes/lib/workflows/registry';
import { mountAuditRoutes } from './audit';
import { passwordMatches } from './signature';
import type { RedApp } from './red';

type AuthedRequest = Request & { user?: { username?: string } };

function fail(res: Response, status: number, error: string): void {
  res.status(status).json({ error });
}

/** The logged-in user's name; Node-RED's permission check has already refused anonymous callers. */
function userOf(req: AuthedRequest, res: Response): string | undefined {
  const name = req.user?.username;
  if (typeof name !== 'string' || name === '') {
    fail(res, 401, 'This action needs a logged-in user: log in and send the bearer token.');
    return undefined;
  }
  return name;
}

const textOr = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value.trim() : fallback);

export function mountWorkflowsApi(red: RedApp): void {
  const read = red.auth.needsPermission('workflows.read');
  const write = red.auth.needsPermission('workflows.write');

  red.httpAdmin.get('/api/approvals', read, (_req: Request, res: Response) => {
    const items = approvalDesks().flatMap((desk) => desk.pending().map((p) => ({ ...p, node: desk.label })));
    items.sort((a, b) => Date.parse(a.approvalRequest.decisionDue) - Date.parse(b.approvalRequest.decisionDue));
    res.json({ items });
  });

  red.httpAdmin.post('/api/approvals/:id', write, (req: AuthedRequest, res: Response) => {
    const username = userOf(req, res);
    if (!username) return;
    const id = req.params.id;
    const body = (req.body ?? {}) as { decision?: unknown; reason?: unknown; password?: unknown };
    if (body.decision !== 'approve' && body.decision !== 'reject') return fail(res, 400, `decision must be "approve" or "reject", not ${JSON.stringify(body.decision)}.`);
    const reason = textOr(body.reason);
    if (reason === '') return fail(res, 400, 'reason is required: a signed decision says why.');
    const desk = approvalDeskFor(id);
    if (!desk) return fail(res, 404, `No requisition ${JSON.stringify(id)} is known to a material-overdraw node of this bridge.`);
    const decision = body.decision;
    (async () => {
      const signedOk = await passwordMatches(red.settings.adminAuth, username, body.password);
      if (!signedOk) {
        const requisition = desk.requisition(id)?.requisition;
        await desk.record({
          who: username,
          what: 'requisition.signature-failed',
          why: `The ${decision === 'approve' ? 'approval' : 'rejection'} was not signed: the password given did not match ${username}'s.`,
          subjectId: id,
          ...(requisition && { orderNo: requisition.orderNo }),
          meaning: 'signature-failed',
          details: { decision, reason },
        });
        return fail(res, 403, `The password did not match ${username}'s: the decision was not signed and nothing changed.`);
      }
      const outcome = await desk.decide({ requisitionId: id, decision, reason, signer: username, signedAt: new Date().toISOString() });
      if (outcome.kind === 'already-decided') return fail(res, 409, outcome.message);
      res.json({ requisitionId: id, outcome: outcome.kind, signature: outcome.signature, ...(outcome.kind === 'released' && { issue: outcome.issue }) });
    })().catch((err: Error) => fail(res, 400, err.message));
  });

  red.httpAdmin.get('/api/exceptions', read, (req: Request, res: Response) => {
    const all = req.query.state === 'all';
    const states: ExceptionState[] | undefined = all ? undefined : ['open', 'acknowledged'];
    const orderNo = typeof req.query.orderNo === 'string' ? req.query.orderNo : undefined;
    const items = exceptionDesks().flatMap((desk) => desk.list({ ...(states && { states }), ...(orderNo !== undefined && { orderNo }) }));
    res.json({ items });
  });

  red.httpAdmin.post('/api/exceptions/:id/:step(ack|resolve)', write, (req: AuthedRequest, res: Response) => {
    const username = userOf(req, res);
    if (!username) return;
    const id = req.params.id;
    const body = (req.body ?? {}) as { note?: unknown; downtimeMin?: unknown };
    const desk = exceptionDeskFor(id);
    if (!desk) return fail(res, 404, `No exception ${JSON.stringify(id)} is known to an exception-escalation node of this bridge.`);
    const note = textOr(body.note);
    if (req.params.step === 'resolve') {
      if (note === '') return fail(res, 400, 'note is required: a resolution says what removed the cause.');
      if (body.downtimeMin !== undefined && (typeof body.downtimeMin !== 'number' || !Number.isFinite(body.downtimeMin) || body.downtimeMin < 0)) {
        return fail(res, 400, `downtimeMin must be a number of minutes, 0 or more, not ${JSON.stringify(body.downtimeMin)}.`);
      }
    }
    const step = req.params.step === 'ack' ? desk.ack(id, username, note) : desk.resolve(id, username, note, (body.downtimeMin as number | undefined) ?? 0);
    // Input was checked above: what the book still refuses is the exception's state (already acknowledged, …).
    step.then(
      (outcome) => res.json({ exception: outcome.exception }),
      (err: Error) => fail(res, 409, err.message),
    );
  });

  mountAuditRoutes(red, read);
}
