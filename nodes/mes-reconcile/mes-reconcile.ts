// Reconciles the MES with the MES order ledger: on a schedule, on any message and from the admin API
// (POST /api/mes-reconcile/run) it reads the MES's work-order list (HTTP GET, paged, shape configured), compares
// it with the ledger and re-sends the ledger's copy of what the MES lost. Output 1: the re-sent orders, to be wired
// where the recording node's output goes (after erp-order-fetch: to code-map). Output 2: the report.
// A message with topic "report" only repeats the last report on output 2 (a dashboard asking on load).
import { statusText } from '../lib/i18n/status-text';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { MesLedger, type LedgerEntry } from '../lib/plan-sync/mes-ledger';
import { DEFAULT_SHAPE, httpMesPageReader, type MesListShape, readMesOrderList } from '../lib/plan-sync/mes-order-list';
import { compareWithMes, countsOf, type Difference, type ReconcileReport } from '../lib/plan-sync/mes-reconcile';
import { type ReconcileDesk, registerReconcileDesk, unregisterReconcileDesk } from '../lib/plan-sync/registry';
import type { BridgeStoreNode } from '../bridge-store/types';

interface MesReconcileDef extends NodeDef, Partial<Record<keyof MesListShape, string | number>> {
  store: string;
  ledger?: string;
  baseUrl: string;
  baseUrlType?: 'str' | 'env';
  listPath?: string;
  tokenEnv?: string;
  intervalSec?: string | number;
  graceSec?: string | number;
  timeoutSec?: string | number;
  resend?: boolean;
}

type Trigger = ReconcileReport['trigger'];
const FIRST_RUN_MAX_MS = 15_000;

function positive(value: unknown, fallback: number): number {
  const n = Number(value);
  return value !== '' && value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

function shapeOf(config: MesReconcileDef): MesListShape {
  const text = (key: keyof MesListShape) => (typeof config[key] === 'string' ? (config[key] as string).trim() : String(DEFAULT_SHAPE[key]));
  return {
    itemsPath: text('itemsPath'),
    totalPath: text('totalPath'),
    orderNoPath: text('orderNoPath') || DEFAULT_SHAPE.orderNoPath,
    revisionPath: text('revisionPath'),
    statePath: text('statePath'),
    pageParam: text('pageParam') || 'page',
    sizeParam: text('sizeParam') || 'pageSize',
    pageSize: Math.min(1000, Math.round(positive(config.pageSize, DEFAULT_SHAPE.pageSize))),
    firstPage: Number(config.firstPage) === 0 ? 0 : 1,
  };
}

/** The ERP order behind a re-sent payload, so code-map's output 2 can park it at erp-order-fetch like a first send. */
function erpOrderOf(payload: unknown): Record<string, unknown> | undefined {
  const p = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
  const source = (p.source && typeof p.source === 'object' ? p.source : undefined) as Record<string, unknown> | undefined;
  if (source && typeof source.orderNo === 'string') return { orderNo: source.orderNo, revision: source.revision, updatedAt: source.updatedAt };
  if (typeof p.orderNo === 'string') return { orderNo: p.orderNo, revision: p.revision, updatedAt: p.updatedAt };
  return undefined;
}

export = function register(RED: NodeAPI): void {
  function MesReconcileNode(this: Node, config: MesReconcileDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const storeNode = RED.nodes.getNode(config.store) as BridgeStoreNode | null;
    const credentials = (node as Node & { credentials?: { token?: string } }).credentials ?? {};
    const intervalMs = positive(config.intervalSec, 600) * 1000;
    const graceMs = Math.max(0, Number(config.graceSec ?? 30) || 0) * 1000;
    const timeoutMs = positive(config.timeoutSec, 30) * 1000;
    const resend = config.resend !== false;
    const shape = shapeOf(config);
    let ledger: MesLedger | undefined;
    let url = '';
    let setupError: Error | undefined;
    try {
      if (!storeNode) throw new Error('mes-reconcile has no bridge store configured.');
      ledger = new MesLedger(storeNode.store(), config.ledger || 'mes');
      const base = config.baseUrlType === 'env' ? (process.env[config.baseUrl] ?? '') : config.baseUrl;
      if (!base) throw new Error(config.baseUrlType === 'env' ? `mes-reconcile: the environment variable ${config.baseUrl || '(none named)'} holding the MES address is not set.` : 'mes-reconcile has no MES address.');
      url = `${base.replace(/\/+$/, '')}${config.listPath ?? '/work-orders'}`;
      new URL(url);
    } catch (err) {
      setupError = err instanceof TypeError ? new Error(`mes-reconcile: the MES order list address '${url}' is not a URL.`) : (err as Error);
      node.status({ fill: 'red', shape: 'ring', text: 'mes-reconcile.status.config' });
    }
    const token = credentials.token || (config.tokenEnv ? process.env[config.tokenEnv] : undefined);
    const readPage = httpMesPageReader({ url, token, timeoutMs, shape });

    let last: ReconcileReport | undefined;
    const totals = { runs: 0, failures: 0, resent: 0 };
    let chain: Promise<unknown> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    let closing = false;

    async function reconcile(trigger: Trigger, send: (m: Array<NodeMessage | NodeMessage[] | null>) => void): Promise<ReconcileReport> {
      const checkedAt = new Date();
      const base = { ledger: ledger?.name ?? config.ledger ?? 'mes', checkedAt: checkedAt.toISOString(), trigger };
      let report: ReconcileReport;
      try {
        if (setupError) throw setupError;
        const entries: LedgerEntry[] = await ledger!.all();
        const mes = await readMesOrderList(readPage, shape);
        const { differences, inFlight } = compareWithMes(entries, mes, { listReadAt: checkedAt, graceMs });
        const copies = new Map(entries.map((e) => [e.orderNo, e.payload]));
        const again: Difference[] = resend ? differences.filter((d) => d.resend) : [];
        const out = again.map((d) => {
          const payload = RED.util.cloneMessage({ payload: copies.get(d.orderNo) } as NodeMessage).payload;
          const erpOrder = erpOrderOf(payload);
          return { topic: d.orderNo, payload, reconcile: { kind: d.kind, reason: d.reason }, ...(erpOrder && { erpOrder }) } as NodeMessage;
        });
        report = { ...base, ok: true, mesOrders: mes.length, ledgerOrders: entries.length, inFlight, counts: countsOf(differences), differences, resent: again.map((d) => d.orderNo) };
        totals.resent += out.length;
        if (out.length > 0) send([out, null]);
      } catch (err) {
        totals.failures += 1;
        report = { ...base, ok: false, error: (err as Error).message, mesOrders: 0, ledgerOrders: 0, inFlight: 0, counts: { missing: 0, unknown: 0, revision: 0, state: 0 }, differences: [], resent: [] };
      }
      totals.runs += 1;
      last = report;
      send([null, { topic: 'mes-reconcile', payload: report }]);
      const time = checkedAt.toTimeString().slice(0, 5);
      const found = report.differences.length;
      if (!report.ok) node.status({ fill: 'red', shape: 'ring', text: statusText('mes-reconcile.status.failed', { time }) });
      else if (found === 0) node.status({ fill: 'green', shape: 'dot', text: statusText('mes-reconcile.status.inStep', { orders: report.mesOrders, time }) });
      else node.status({ fill: 'yellow', shape: 'dot', text: statusText('mes-reconcile.status.differences', { count: found, resent: report.resent.length }) });
      return report;
    }

    // Runs one after another: a run on command waits for the scheduled one under way.
    function queue(trigger: Trigger, send: (m: Array<NodeMessage | NodeMessage[] | null>) => void): Promise<ReconcileReport> {
      const run = chain.then(() => reconcile(trigger, send));
      chain = run.catch(() => undefined);
      return run;
    }

    function schedule(delayMs: number): void {
      if (closing) return;
      timer = setTimeout(() => {
        timer = undefined;
        node.emit('input', { topic: 'schedule' });
        schedule(intervalMs);
      }, delayMs);
    }
    schedule(Math.min(intervalMs, FIRST_RUN_MAX_MS));

    node.on('input', (msg: NodeMessageInFlow, send: (m: Array<NodeMessage | NodeMessage[] | null>) => void, done: (err?: Error) => void) => {
      if (msg.topic === 'report') {
        if (last) send([null, { ...msg, topic: 'mes-reconcile', payload: last } as NodeMessage]);
        return done();
      }
      queue(msg.topic === 'schedule' ? 'schedule' : 'message', send).then(
        (report) => {
          if (report.ok) done();
          else {
            const error = new Error(`mes-reconcile: ${report.error}`);
            (msg as NodeMessageInFlow & { reconcile?: ReconcileReport }).reconcile = report;
            done(error);
          }
        },
        (err: Error) => done(err),
      );
    });

    const desk: ReconcileDesk = {
      nodeId: node.id,
      label: config.name || 'mes-reconcile',
      ledger: config.ledger || 'mes',
      last: () => last,
      run: () => queue('api', (m) => node.send(m)),
      totals: () => ({ ...totals }),
    };
    registerReconcileDesk(desk);

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      if (timer) clearTimeout(timer);
      unregisterReconcileDesk(desk);
      const finish = () => {
        node.status({});
        done();
      };
      chain.then(finish, finish);
    });
  }

  RED.nodes.registerType('mes-reconcile', MesReconcileNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: { token: { type: 'password' } },
  });
};
