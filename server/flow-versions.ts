// The versions of the integration on the bridge itself: after every deploy (editor, import CLI, rollback) the flows
// that now run are kept in the user dir (flow-versions/, the newest FLOW_VERSIONS_KEEP), with who deployed them and
// why. GET /api/changes/versions lists them; GET /api/changes/versions/:name gives one with its field diff against
// what runs now; the import CLI's --rollback NAME restores one (a deploy like any other, so it is recorded).
import { join } from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import { diffFlows } from './flow-diff';
import type { FlowNode } from './flow-import';
import { SnapshotError, SnapshotShelf } from './flow-snapshots';
import type { RedApp } from './red-types';

export const FLOW_VERSIONS_DIR = 'flow-versions';

type RunningFlows = () => { rev: string; flows: FlowNode[] } | null;

export class FlowVersions {
  private readonly shelf: SnapshotShelf;

  constructor(
    userDir: string,
    private readonly keepCount: number,
  ) {
    this.shelf = new SnapshotShelf(join(userDir, FLOW_VERSIONS_DIR));
  }

  /** Keeps what runs now as a version, noting who deployed it and why. */
  keep(running: { rev: string; flows: FlowNode[] }, note: string): void {
    this.shelf.save({ target: 'this bridge', rev: running.rev, before: note, flows: running.flows }, this.keepCount);
  }

  mount(red: RedApp, running: RunningFlows): void {
    const read = red.auth.needsPermission('flows.read') as unknown as RequestHandler;
    red.httpAdmin.get('/api/changes/versions', read, (_req: Request, res: Response) => {
      const items = this.shelf
        .names()
        .reverse()
        .map((name) => {
          const v = this.shelf.read(name);
          return { name, takenAt: v.takenAt, rev: v.rev, note: v.before, nodes: v.flows.length };
        });
      res.json({ items });
    });
    red.httpAdmin.get('/api/changes/versions/:name', read, (req: Request, res: Response) => {
      try {
        const v = this.shelf.read(String(req.params.name));
        res.json({ name: v.name, takenAt: v.takenAt, rev: v.rev, note: v.before, flows: v.flows, diffToRunning: diffFlows(v.flows, running()?.flows ?? []) });
      } catch (err) {
        if (err instanceof SnapshotError) res.status(404).json({ error: `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}` });
        else res.status(503).json({ error: `The flow versions could not be read: ${(err as Error).message}` });
      }
    });
  }
}
