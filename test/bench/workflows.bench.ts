// The two workflows inside a running Node-RED runtime with the SQLite bridge store: material requisitions within
// the BOM need through material-overdraw (validated, BOM check, issued qty and audit entry written before done),
// and urgent exception events through exception-escalation (validated, policy, deadline, audit, notice enqueued
// durably in the outbox to the simulated ERP), side by side with the baseline: a minimal custom node doing the
// same schema validation and one SQLite write per message (SqliteStore.put) before done. Messages/s from the
// first send until the node has called done on every one (20 in flight), medians of rounds.
import { join } from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import helper from 'node-red-node-test-helper';
import { toWorkOrder, type WorkOrder } from '../../nodes/lib/plan-sync/work-order';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { validate } from '../../nodes/lib/validation';
import { startPlantSimulator } from '../../server/simulator/plant-simulator';
import { tempDir } from '../support/temp';
import { fmt, median } from './stats';

const ORDERS = 200;
const PER_ROUND = 1000;
const IN_FLIGHT = 20;
const ROUNDS = 5;
const WARM_UP = 300;

/** The baseline: the same schema check and one durable SQLite write per message, nothing else. */
function baselineNode(file: string) {
  return function register(RED: NodeAPI) {
    function Baseline(this: Node, config: NodeDef) {
      RED.nodes.createNode(this, config);
      const store = new SqliteStore(file);
      this.on('input', (msg: NodeMessageInFlow, send, done) => {
        const schema = msg.topic === 'exception' ? 'exception-event' : 'material-requisition';
        const checked = validate(schema, msg.payload);
        if (!checked.ok) return done(new Error(checked.message));
        const id = (msg.payload as { requisitionId?: string; id?: string }).requisitionId ?? (msg.payload as { id: string }).id;
        store.put(schema, id, msg.payload).then(
          () => {
            send(msg);
            done();
          },
          (err: Error) => done(err),
        );
      });
      this.on('close', (_removed: boolean, done: () => void) => {
        store.close().then(
          () => done(),
          () => done(),
        );
      });
    }
    RED.nodes.registerType('bench-workflow-baseline', Baseline as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
  };
}

/** Sends every message to the node, IN_FLIGHT at a time, and resolves with messages/s once all are done. */
function feed(nodeId: string, messages: Array<{ topic?: string; payload: unknown }>): Promise<number> {
  const target = helper.getNode(nodeId);
  const answered = helper.getNode('answered');
  const failed = helper.getNode('failed');
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const started = performance.now();
    const stop = () => {
      answered.removeListener('input', onAnswer);
      failed.removeListener('input', onFailure);
    };
    const onAnswer = (msg: unknown) => {
      if ((msg as { complete?: { source?: { id?: string } } }).complete?.source?.id !== nodeId) return;
      done += 1;
      if (done === messages.length) {
        stop();
        return resolve(messages.length / ((performance.now() - started) / 1000));
      }
      while (sent < messages.length && sent - done < IN_FLIGHT) target.receive(messages[sent++]);
    };
    const onFailure = (msg: unknown) => {
      stop();
      reject(new Error(`${nodeId} refused a message of the bench: ${(msg as { error?: { message?: string } }).error?.message}`));
    };
    answered.on('input', onAnswer);
    failed.on('input', onFailure);
    while (sent < messages.length && sent < IN_FLIGHT) target.receive(messages[sent++]);
  });
}

/** Requisitions within the BOM need (a thousandth of a line's requirement each), unique ids per run. */
function requisitions(orders: WorkOrder[], run: string, n: number) {
  const lines = orders.flatMap((o) => o.materials.map((m) => ({ order: o, m })));
  return Array.from({ length: n }, (_, i) => {
    const { order, m } = lines[i % lines.length];
    return {
      payload: {
        requisitionId: `REQ-${run}-${i}`,
        orderNo: order.workOrderNo,
        opNo: m.sequence ?? order.operations[0].sequence,
        materialCode: m.materialCode,
        requestedQty: Math.max(0.001, Math.round((m.requiredQty / 1000) * 1000) / 1000),
        unit: m.unit,
        requester: '周杰',
        timestamp: new Date().toISOString(),
      },
    };
  });
}

function exceptions(orders: WorkOrder[], run: string, n: number) {
  return Array.from({ length: n }, (_, i) => {
    const order = orders[i % orders.length];
    return {
      topic: 'exception',
      payload: {
        id: `EX-${run}-${i}`,
        type: 'equipment-fault',
        severity: 'urgent',
        orderNo: order.workOrderNo,
        opNo: order.operations[0].sequence,
        equipment: order.operations[0].equipmentCode,
        estimatedDowntimeMin: 30,
        description: '温控报警',
        timestamp: new Date().toISOString(),
      },
    };
  });
}

export async function benchWorkflows(): Promise<Array<Record<string, string>>> {
  const dir = tempDir('erp-mes-bench-workflows-');
  const sim = await startPlantSimulator({ seedOrders: ORDERS });
  const orders = sim.erp.orders().map(toWorkOrder);
  const figures = { requisitions: { ours: [] as number[], base: [] as number[] }, exceptions: { ours: [] as number[], base: [] as number[] } };
  try {
    await helper.load(
      [
        require('../../nodes/bridge-store/bridge-store'),
        require('../../nodes/erp-endpoint/erp-endpoint'),
        require('../../nodes/material-overdraw/material-overdraw'),
        require('../../nodes/exception-escalation/exception-escalation'),
        require('@node-red/nodes/core/common/25-catch'),
        require('@node-red/nodes/core/common/24-complete'),
        baselineNode(join(dir.path, 'baseline.sqlite')),
      ],
      [
        { id: 'store', type: 'bridge-store', storeType: 'sqlite', file: join(dir.path, 'bridge.sqlite') },
        { id: 'erp', type: 'erp-endpoint', name: 'bench ERP', baseUrl: sim.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 30, retryBaseSec: 0.05, retryMaxSec: 0.5 },
        {
          id: 'overdraw',
          type: 'material-overdraw',
          endpoint: 'erp',
          store: 'store',
          path: 'approval-requests',
          decisionTimeoutMin: 120,
          onTimeout: 'escalate',
          defaultTolerancePct: 0,
          escalationSeverity: 'urgent',
          maxAttempts: 10,
          wires: [[], [], []],
        },
        { id: 'escalation', type: 'exception-escalation', endpoint: 'erp', store: 'store', maxAttempts: 10, wires: [[], [], [], []] },
        { id: 'baseline', type: 'bench-workflow-baseline', wires: [[]] },
        { id: 'handled', type: 'complete', scope: ['overdraw', 'escalation', 'baseline'], uncaught: false, wires: [['answered']] },
        { id: 'answered', type: 'helper' },
        { id: 'refusals', type: 'catch', scope: ['overdraw', 'escalation', 'baseline'], uncaught: false, wires: [['failed']] },
        { id: 'failed', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: { password: 'demo-erp-pass' } },
    );
    // The helper records every log event in a spy: not the runtime's cost.
    helper.log().restore();
    await feed('overdraw', [{ topic: 'plan', payload: orders }]);
    // Warm-up: JIT, SQLite pages, the outbox's first deliveries.
    for (const [node, messages] of [
      ['overdraw', requisitions(orders, 'warm', WARM_UP)],
      ['baseline', requisitions(orders, 'warm', WARM_UP)],
      ['escalation', exceptions(orders, 'warm', WARM_UP)],
      ['baseline', exceptions(orders, 'warm', WARM_UP)],
    ] as const) {
      await feed(node, messages);
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which runs first so drift on a noisy machine hits both sides alike.
      const pairs: Array<[number[], string, Array<{ topic?: string; payload: unknown }>]> = [
        [figures.requisitions.ours, 'overdraw', requisitions(orders, `r${round}`, PER_ROUND)],
        [figures.requisitions.base, 'baseline', requisitions(orders, `r${round}`, PER_ROUND)],
        [figures.exceptions.ours, 'escalation', exceptions(orders, `r${round}`, PER_ROUND)],
        [figures.exceptions.base, 'baseline', exceptions(orders, `r${round}`, PER_ROUND)],
      ];
      if (round % 2 === 1) [pairs[0], pairs[1], pairs[2], pairs[3]] = [pairs[1], pairs[0], pairs[3], pairs[2]];
      for (const [into, node, messages] of pairs) into.push(await feed(node, messages));
    }
  } finally {
    await helper.unload();
    await sim.close();
    dir.remove();
  }
  const row = (measure: string, f: { ours: number[]; base: number[] }) => ({
    measure,
    ours: fmt(median(f.ours)),
    baseline: `${fmt(median(f.base))} (minimal node: same schema check + 1 SQLite write)`,
    ratio: fmt(median(f.ours) / median(f.base), 2),
  });
  return [
    row(`material-overdraw, requisitions within need, SQLite (req/s, ${IN_FLIGHT} in flight)`, figures.requisitions),
    row(`exception-escalation, urgent exceptions, SQLite + outbox (exc/s, ${IN_FLIGHT} in flight)`, figures.exceptions),
  ];
}
