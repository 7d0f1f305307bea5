// Quality traceability on Node-RED's admin app (its login and permissions): GET /api/trace/:code answers a unit
// or batch trace code (or an order number) with the order's whole record, from the trace stores of the running
// trace-record nodes. 400 for a code that cannot be one, 404 with a sentence for a code nothing carries.
import type { Request, Response } from 'express';
import { traceCodeProblem, unknownTraceCode } from '../../nodes/lib/trace/code';
import { traceAnywhere, traceDesks } from '../../nodes/lib/trace/registry';
import type { RedApp } from './red';

function fail(res: Response, status: number, error: string): void {
  res.status(status).json({ error });
}

export function mountTraceApi(red: RedApp): void {
  const read = red.auth.needsPermission('trace.read');
  red.httpAdmin.get(['/api/trace', '/api/trace/'], read, (_req: Request, res: Response) => fail(res, 400, traceCodeProblem('')!));
  red.httpAdmin.get('/api/trace/:code', read, (req: Request, res: Response) => {
    const code = req.params.code;
    const problem = traceCodeProblem(code);
    if (problem) return fail(res, 400, problem);
    if (traceDesks().length === 0) return fail(res, 404, `${unknownTraceCode(code)} (No trace-record node is running.)`);
    traceAnywhere(code).then(
      (answer) => (answer ? res.json(answer) : fail(res, 404, unknownTraceCode(code))),
      (err: Error) => fail(res, 503, `The trace store did not answer: ${err.message}`),
    );
  });
}
