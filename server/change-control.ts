// Change control of the integration itself (issue 18, EU GMP Annex 11 §10, 21 CFR 11.10(k)): every deploy —
// from the editor, the import CLI or a rollback — is written to a keyed, hash-chained audit log of its own with
// who, when, what (a field-level diff summary) and why (the reason sent in X-Change-Reason), and every code
// table, ERP profile and policy node it changed gets an entry of its own. In regulated mode (REGULATED_MODE=1)
// a deploy without a reason is refused before Node-RED sees it. The log sits in the store directory, not in a
// bridge-store node, so a deploy that replaces the stores is still recorded.
import { join } from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import { FileHeadLedger } from '../nodes/lib/audit/exported-heads';
import { resolveAuditKeys } from '../nodes/lib/audit/key-source';
import { auditLogFor, type AuditLog } from '../nodes/lib/audit/log';
import { EXPORTED_HEADS_FILE } from '../nodes/lib/audit/store-audit';
import type { AuditRecord } from '../nodes/lib/audit/types';
import { CODE_TABLE_CHANGED_EVENT, codeTableChangeReason, type CodeTableChange } from '../nodes/lib/code-map/change-event';
import { AuditWatch } from '../nodes/lib/audit/watch';
import { SqliteStore } from '../nodes/lib/stores/sqlite-store';
import { diffFlows, showValue, summarizeDiff, type ChangeKind } from './flow-diff';
import type { FlowNode } from './flow-import';
import type { FlowVersions } from './flow-versions';
import type { RedApp } from './red-types';

export const CHANGE_LOG_FILE = 'change-control.sqlite';
/** Entries kept per deploy entry: a full import's diff of thousands of nodes is summarised, not copied. */
const MAX_LISTED = 200;
const MAX_REASON = 1000;

export type ChangeSource = 'editor' | 'import-flow' | 'rollback';

const WHAT_BY_SOURCE: Record<ChangeSource, string> = {
  editor: 'integration.flows-deployed',
  'import-flow': 'integration.flow-imported',
  rollback: 'integration.flows-rolled-back',
};
const WHAT_BY_KIND: Partial<Record<ChangeKind, string>> = {
  'code-table': 'integration.code-table-changed',
  'erp-profile': 'integration.erp-profile-changed',
  policy: 'integration.policy-changed',
};

export interface ChangeLog {
  log: AuditLog;
  /** The head exported last: a chain cut short after it is reported broken. */
  exported(): ReturnType<AuditWatch['exported']>;
  close(): Promise<void>;
}

export function openChangeLog(o: { storeDir: string; userDir: string; auditKeys?: string[]; verifySec: number; logger: { info(l: string): void; warn(l: string): void } }): ChangeLog {
  const file = join(o.storeDir, CHANGE_LOG_FILE);
  const store = new SqliteStore(file);
  const { keyring, warning } = resolveAuditKeys(o.auditKeys, process.env, o.userDir);
  if (warning) o.logger.warn(warning);
  const log = auditLogFor(store, 'changes', keyring);
  // Verified and its head exported like the stores' chains, but on a timer of its own: /api/audit stays the
  // workflows' trail, and /api/changes serves this one.
  const watch = new AuditWatch({
    log,
    chainId: `change-control:${file}`,
    label: 'change control',
    storeId: 'change-control',
    ledger: new FileHeadLedger(join(o.userDir, EXPORTED_HEADS_FILE)),
    intervalMs: o.verifySec * 1000,
    logger: o.logger,
  });
  void watch.verifyNow();
  const timer = setInterval(() => void watch.verifyNow(), Math.min(o.verifySec * 1000, 2_147_483_647));
  timer.unref();
  return {
    log,
    exported: () => watch.exported(),
    async close() {
      clearInterval(timer);
      await watch.stop();
      await store.close();
    },
  };
}

/** What the runtime runs now (its active configuration). */
export function runningFlows(red: RedApp): { rev: string; flows: FlowNode[] } | null {
  return (red.nodes as unknown as { getFlows(): { rev: string; flows: FlowNode[] } | null }).getFlows();
}

function header(req: Request, name: string): string | undefined {
  const raw = req.get(name);
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return decodeURIComponent(raw).trim();
  } catch {
    return raw.trim();
  }
}

function deployedFlows(body: unknown): FlowNode[] | undefined {
  const list = Array.isArray(body) ? body : (body as { flows?: unknown } | undefined)?.flows;
  if (!Array.isArray(list)) return undefined;
  // Credentials never reach the log: only whether a node's secrets were set.
  return list.map((n: FlowNode) => {
    if (!n || typeof n !== 'object' || !('credentials' in n)) return n;
    const { credentials: _secret, ...rest } = n;
    return rest as FlowNode;
  });
}

/** The audit records of one deploy: the deploy itself, then one per code table, ERP profile and policy node changed. */
export function deployRecords(o: { who: string; why: string; source: ChangeSource; file?: string; deploymentType: string; rev: string; previousRev?: string; before: readonly FlowNode[]; after: readonly FlowNode[] }): AuditRecord[] {
  const diff = diffFlows(o.before, o.after);
  const summary = summarizeDiff(diff);
  const shown = (c: (typeof diff.changed)[number]) => ({ id: c.id, property: c.property, old: showValue(c.old, 200), new: showValue(c.new, 200) });
  const records: AuditRecord[] = [
    {
      who: o.who,
      what: WHAT_BY_SOURCE[o.source],
      why: o.why,
      subjectId: o.rev,
      details: {
        source: o.source,
        deploymentType: o.deploymentType,
        ...(o.file && { file: o.file }),
        ...(o.previousRev && { previousRev: o.previousRev }),
        summary: { added: summary.added, removed: summary.removed, changedNodes: summary.changedNodes, fields: summary.fields },
        added: diff.added.slice(0, MAX_LISTED),
        removed: diff.removed.slice(0, MAX_LISTED),
        changes: diff.changed.slice(0, MAX_LISTED).map(shown),
        truncated: diff.added.length > MAX_LISTED || diff.removed.length > MAX_LISTED || diff.changed.length > MAX_LISTED,
      },
    },
  ];
  for (const [kind, what] of Object.entries(WHAT_BY_KIND) as Array<[ChangeKind, string]>) {
    for (const n of summary.kinds[kind] ?? []) {
      const state = diff.added.some((a) => a.id === n.id) ? 'added' : diff.removed.some((r) => r.id === n.id) ? 'removed' : 'changed';
      records.push({
        who: o.who,
        what,
        why: o.why,
        subjectId: n.id.slice(0, 64),
        details: {
          rev: o.rev,
          type: n.type,
          name: n.name,
          state,
          changes: diff.changed
            .filter((c) => c.id === n.id)
            .slice(0, MAX_LISTED)
            .map(shown),
        },
      });
    }
  }
  return records;
}

/**
 * In front of Node-RED's POST /flows: refuses a deploy without a reason in regulated mode, and once Node-RED has
 * answered 200 writes the deploy to the change log. Mounted before RED.httpAdmin with Node-RED's own permission check.
 */
export function changeControlMiddleware(red: RedApp, changeLog: ChangeLog, o: { regulated: boolean; warn(line: string): void; versions?: FlowVersions }): RequestHandler[] {
  const record: RequestHandler = (req, res, next) => {
    const reason = header(req, 'x-change-reason')?.slice(0, MAX_REASON);
    const deploymentType = req.get('node-red-deployment-type') ?? 'full';
    if (o.regulated && !reason && deploymentType !== 'reload') {
      const message = 'This bridge runs in regulated mode: a deploy needs a reason (the editor asks for one; the import CLI takes --reason, API clients send the X-Change-Reason header). Nothing was deployed.';
      res.status(400).json({ error: message, code: 'reason_required', message });
      return;
    }
    const after = deployedFlows(req.body);
    if (!after) return next();
    const running = runningFlows(red);
    const before = running?.flows ?? [];
    const sourceHeader = header(req, 'x-change-source');
    const source: ChangeSource = sourceHeader === 'import-flow' || sourceHeader === 'rollback' ? sourceHeader : 'editor';
    const file = header(req, 'x-change-file')?.slice(0, 200);
    const who = (req as Request & { user?: { username?: string } }).user?.username ?? 'anonymous';
    let rev: string | undefined;
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      rev = (body as { rev?: unknown } | undefined)?.rev as string | undefined;
      return json(body);
    };
    res.on('finish', () => {
      if (res.statusCode !== 200) return;
      const why = reason ?? 'No reason given (regulated mode is off).';
      const records = deployRecords({ who, why, source, ...(file && { file }), deploymentType, rev: rev ?? 'unknown', ...(running?.rev && { previousRev: running.rev }), before, after });
      Promise.all(records.map((r) => changeLog.log.append(r))).catch((err: Error) => o.warn(`The deploy by ${who} (rev ${rev}) could not be written to the change log: ${err.message}`));
      try {
        const now = runningFlows(red);
        if (now) o.versions?.keep(now, `${source === 'editor' ? 'deploy from the editor' : source === 'rollback' ? `rollback to ${file ?? '?'}` : `import of ${file ?? '?'}`} by ${who}: ${why}`);
      } catch (err) {
        o.warn(`The flows deployed by ${who} (rev ${rev}) could not be kept as a version: ${(err as Error).message}`);
      }
    });
    next();
  };
  return [red.auth.needsPermission('flows.write') as unknown as RequestHandler, record];
}

/** Code tables that change while the flows run (file reloads, rows loaded by messages): recorded as done by the bridge. */
export function recordCodeTableChanges(events: { on(e: string, l: (c: CodeTableChange) => void): unknown; off(e: string, l: (c: CodeTableChange) => void): unknown }, changeLog: ChangeLog, warn: (line: string) => void): () => void {
  const onChange = (c: CodeTableChange): void => {
    const record: AuditRecord = {
      who: 'bridge',
      what: 'integration.code-table-changed',
      why: codeTableChangeReason(c),
      subjectId: c.id.slice(0, 64),
      details: { source: c.how, name: c.name, codes: c.codes, ...(c.file && { file: c.file }), ...(c.mode && { mode: c.mode }) },
    };
    changeLog.log.append(record).catch((err: Error) => warn(`The change of code table "${c.name}" could not be written to the change log: ${err.message}`));
  };
  events.on(CODE_TABLE_CHANGED_EVENT, onChange);
  return () => events.off(CODE_TABLE_CHANGED_EVENT, onChange);
}

const CSV_COLUMNS = ['seq', 'at', 'who', 'what', 'why', 'subjectId', 'source', 'file', 'added', 'removed', 'changedNodes', 'fields', 'verification'] as const;

function csvCell(value: unknown): string {
  const s = value === undefined || value === null ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** GET /api/changes (JSON, or ?format=csv): the change history with each entry's verification; GET /api/changes/policy. */
export function mountChangeRoutes(red: RedApp, changeLog: ChangeLog, o: { regulated: boolean }): void {
  const read = red.auth.needsPermission('flows.read') as unknown as RequestHandler;
  red.httpAdmin.get('/api/changes/policy', read, (_req: Request, res: Response) => {
    res.json({ regulated: o.regulated });
  });
  red.httpAdmin.get('/api/changes', read, (req: Request, res: Response) => {
    changeLog.log.inspect({}, changeLog.exported()).then(
      ({ verdict, items }) => {
        if (req.query.format === 'csv') {
          const rows = items.map((e) => {
            const d = (e.details ?? {}) as { source?: string; file?: string; summary?: Record<string, number> };
            const cells: Record<(typeof CSV_COLUMNS)[number], unknown> = {
              seq: e.seq,
              at: e.at,
              who: e.who,
              what: e.what,
              why: e.why,
              subjectId: e.subjectId,
              source: d.source,
              file: d.file,
              added: d.summary?.added,
              removed: d.summary?.removed,
              changedNodes: d.summary?.changedNodes,
              fields: d.summary?.fields,
              verification: e.verification,
            };
            return CSV_COLUMNS.map((c) => csvCell(cells[c])).join(',');
          });
          res
            .type('text/csv; charset=utf-8')
            .attachment('change-history.csv')
            .send([CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n');
          return;
        }
        res.json({ regulated: o.regulated, ok: verdict.ok, ...(!verdict.ok && { problem: verdict.message }), items });
      },
      (err: Error) => res.status(503).json({ error: `The change log could not be read: ${err.message}` }),
    );
  });
}
