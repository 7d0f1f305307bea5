// One host for the workflow nodes' lifecycle (cost-variance, exception-escalation, material-overdraw, oee,
// progress-push, erp-confirm): the config nodes looked up, the outboxes opened, registered, listened to and
// stopped, the state restored (a WorkflowRunner or another book), input held until it is ready, and close in the
// right order. A node declares only its hooks, as FlowFuse dashboard widgets do with group.register(node,
// config, evts); five copies of store → outbox → register → runner → close had begun to drift.
import type { EventEmitter } from 'node:events';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { AuditLog } from './lib/audit/log';
import type { Deliver, Outbox, OutboxEvents, OutboxOptions } from './lib/outbox/outbox';
import { registerOutbox, unregisterOutbox } from './lib/outbox/registry';
import { statusText } from './lib/i18n/status-text';
import { StoreUnavailableError } from './lib/stores/store-unavailable';
import { watchAuditChain, type AuditAlarm } from './lib/workflows/audit-alarm';
import { WorkflowRunner, type WorkflowBook } from './lib/workflows/runner';
import type { BridgeStoreNode, BridgeStoreStateEvent } from './bridge-store/types';
import type { ErpEndpointNode } from './erp-endpoint/types';

/** The settings every workflow node has: its ERP endpoint, its bridge store and the outbox's attempts. */
export interface WorkflowNodeDef extends NodeDef {
  endpoint: string;
  store: string;
  maxAttempts: string | number;
}

export type StatusFill = 'red' | 'green' | 'yellow';
export type StatusShape = 'dot' | 'ring';
export type HostSend = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;
type Listeners = { [E in keyof OutboxEvents]?: (...args: OutboxEvents[E]) => void };

/** A setting as a number, its default when blank or not a number. */
export const settingNumber = (value: unknown, fallback: number): number => (value === '' || value === undefined || value === null || !Number.isFinite(Number(value)) ? fallback : Number(value));

export interface WorkflowHost {
  readonly node: Node;
  readonly endpoint: ErpEndpointNode;
  readonly storeNode: BridgeStoreNode;
  /** True once close has begun: no more messages or statuses. */
  readonly closing: boolean;
  /** The status `<type>.status.<key>` with n, as a catalogue key each editor renders in its own language. */
  status(fill: StatusFill, shape: StatusShape, key: string, n?: number): void;
  /** The status text of `<type>.status.<key>` with n (lib/i18n/status-text). */
  text(key: string, n?: number): string;
  /** An outbox of the bridge store for this node: registered for /metrics, listened to, started; stopped on close. */
  outbox(name: string, deliver: Deliver, options?: OutboxOptions): Outbox;
  /** The node's book restored from the store; its deadlines re-enter the input path as `deadlineTopic`; closed on close. */
  runner<B extends WorkflowBook>(options: RunnerOptions<B>): Promise<WorkflowRunner<B>>;
  /** The store's audit chain watched for this node: a broken chain is an error (`<type>.errors.auditBroken`) and a record to the ERP at `path`; stopped on close. */
  auditAlarm(options: { outbox: Outbox; path: string | undefined; onChange(): void }): AuditAlarm;
  /** Runs the lifecycle with the node's hooks (once, in the node's constructor). */
  run<T>(hooks: WorkflowHooks<T>): void;
}

export interface RunnerOptions<B extends WorkflowBook> {
  namespace: string;
  outbox?: Outbox;
  audit?: AuditLog;
  restore(entries: Array<[string, unknown]>): B;
  deadlineTopic: string;
  /**
   * Several replicas on one Redis: the name of the lease on this book's deadlines, so that they fire on one replica,
   * each once (the node asks `runner.claimDeadlines()` before it handles `deadlineTopic`). Without it every replica fires.
   */
  deadlineGate?: string;
}

export interface WorkflowHooks<T> {
  /** Builds the node's parts from its config; throws a sentence on a bad setting. Returns how to open the state. */
  setup(host: WorkflowHost): () => Promise<T>;
  /** Once the state is open: heal what a crash left, show the first status, register desks. */
  ready?(state: T): void | Promise<void>;
  /** A message, once the state is open; what it throws goes to done(err). */
  input(msg: NodeMessageInFlow, send: HostSend, state: T): Promise<void>;
  /** When the state could not be opened, the next message tries again (a Redis not up yet at start). */
  reopenOnFailure?: boolean;
  /** Shows a fault: by default a red ring `<type>.status.config|store` and the error (restore failures in `<type>.errors.restore`). */
  fault?(kind: 'config' | 'store', err: Error): void;
  /** Listeners on every outbox the host opens (removed on close). */
  outboxEvents?: Listeners;
  /** The bridge store's link state (Redis dropped, back). */
  storeState?(e: BridgeStoreStateEvent): void;
  /** First thing on close: clear the node's own timers, unregister its desks. */
  close?(): void;
}

/**
 * The host of a workflow node: `host.run(hooks)` in the node's constructor runs its lifecycle; `type` names its
 * locale catalogue. Made before the hooks so that they can use it.
 */
export function workflowHost(RED: NodeAPI, node: Node, config: WorkflowNodeDef, type: string): WorkflowHost {
  const endpoint = RED.nodes.getNode(config.endpoint) as ErpEndpointNode | null;
  const storeNode = RED.nodes.getNode(config.store) as BridgeStoreNode | null;
  const outboxes: Outbox[] = [];
  let listeners: Array<[keyof OutboxEvents, (...args: unknown[]) => void]> = [];
  let runner: Promise<WorkflowRunner<WorkflowBook>> | undefined;
  let alarm: AuditAlarm | undefined;
  let closing = false;

  const text = (key: string, n?: number) => statusText(`${type}.status.${key}`, { n: String(n ?? 0) });
  const status = (fill: StatusFill, shape: StatusShape, key: string, n?: number) => node.status({ fill, shape, text: text(key, n) });

  const host: WorkflowHost = {
    node,
    endpoint: endpoint!,
    storeNode: storeNode!,
    get closing() {
      return closing;
    },
    status,
    text,
    outbox(name, deliver, options) {
      const box = storeNode!.outbox(name, { maxAttempts: Math.max(1, settingNumber(config.maxAttempts, 10)), backoff: endpoint!.retry, ...options });
      registerOutbox(box, { endpoint: endpoint!.label });
      outboxes.push(box);
      for (const [event, listener] of listeners) (box as EventEmitter).on(event, listener);
      box.start(deliver);
      return box;
    },
    runner<B extends WorkflowBook>(options: RunnerOptions<B>) {
      const onDeadline = () => node.emit('input', { topic: options.deadlineTopic });
      const deadlines = options.deadlineGate ? storeNode!.deadlineGate(options.deadlineGate, onDeadline) : undefined;
      const opened = WorkflowRunner.open<B>({
        store: storeNode!.store(),
        namespace: options.namespace,
        audit: options.audit ?? storeNode!.audit(),
        outbox: options.outbox,
        restore: options.restore,
        onDeadline,
        deadlines,
      });
      // A runner that never opened never closes: the lease on its deadlines is given up here instead.
      if (deadlines) opened.catch(() => deadlines.close().catch(() => undefined));
      runner = opened as unknown as Promise<WorkflowRunner<WorkflowBook>>;
      return opened;
    },
    auditAlarm({ outbox, path, onChange }) {
      alarm = watchAuditChain(storeNode!.auditWatch(), node, {
        outbox,
        path: path ?? 'audit-heads',
        onChange,
        sentence: (v) => RED._(`${type}.errors.auditBroken`, { store: storeNode!.name || storeNode!.id, seq: String(v.seq), problem: v.message }),
      });
      return alarm;
    },
    run<T>(hooks: WorkflowHooks<T>) {
      listeners = Object.entries(hooks.outboxEvents ?? {}) as typeof listeners;
      runHooks(host, hooks);
    },
  };
  return host;

  function runHooks<T>(host: WorkflowHost, hooks: WorkflowHooks<T>): void {
    let state: Promise<T> | undefined;
    let reopen: (() => void) | undefined;
    const fault =
      hooks.fault ??
      ((kind: 'config' | 'store', err: Error) => {
        status('red', 'ring', kind);
        node.error(kind === 'store' ? RED._(`${type}.errors.restore`, { error: err.message }) : err.message);
      });

    const onStoreState = (e: BridgeStoreStateEvent) => hooks.storeState?.(e);
    let open: (() => Promise<T>) | undefined;
    try {
      if (!endpoint) throw new Error(RED._(`${type}.errors.noEndpoint`));
      if (!storeNode) throw new Error(RED._(`${type}.errors.noStore`));
      open = hooks.setup(host);
      if (hooks.storeState) (storeNode as unknown as EventEmitter).on('state', onStoreState);
    } catch (err) {
      fault('config', err as Error);
    }
    const start = () => {
      reopen = undefined;
      let opening: Promise<T>;
      try {
        opening = open!();
      } catch (err) {
        // The store could not be opened at all (a clear sentence from the bridge store): a configuration fault.
        fault('config', err as Error);
        if (hooks.reopenOnFailure) reopen = start;
        return;
      }
      state = opening;
      opening
        .then(
          async (t) => {
            await hooks.ready?.(t);
          },
          (err: Error) => {
            fault('store', err);
            if (hooks.reopenOnFailure) reopen = start;
          },
        )
        .catch((err: Error) => node.error(err.message));
    };
    if (open) start();

    node.on('input', (msg: NodeMessageInFlow, send: HostSend, done: (err?: Error) => void) => {
      reopen?.();
      if (!state) return done(new StoreUnavailableError(RED._(`${type}.errors.notReady`)));
      state
        .then((t) => hooks.input(msg, send, t))
        .then(
          () => done(),
          (err: Error) => done(err),
        );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      hooks.close?.();
      alarm?.close();
      node.status({});
      if (hooks.storeState && storeNode) (storeNode as unknown as EventEmitter).removeListener('state', onStoreState);
      closeAll().then(
        () => done(),
        () => done(),
      );
    });
  }

  /** The runner first (its last writes reach the outbox), then the outboxes' workers: the bridge store owns the outboxes. */
  async function closeAll(): Promise<void> {
    try {
      if (runner) await (await runner.catch(() => undefined))?.close();
    } finally {
      for (const box of outboxes) {
        for (const [event, listener] of listeners) (box as EventEmitter).off(event, listener);
        unregisterOutbox(box);
      }
      await Promise.all(outboxes.map((box) => box.stop().catch(() => undefined)));
    }
  }
}
