// The versions of a bridge's flows the import CLI keeps on disk: before every deploy it writes what ran (one JSON
// file per snapshot, named by time and revision), keeps the N most recent, and can list them and hand one back
// for --rollback or --compare. One folder per bridge, so two bridges' histories never mix.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { FlowNode } from './flow-import';

export interface Snapshot {
  name: string;
  takenAt: string;
  target: string;
  rev: string;
  /** What was about to happen when it was taken (e.g. "import of plant-1010.json"). */
  before: string;
  flows: FlowNode[];
}

/** A snapshot asked for that is not there; its message is a sentence for the CLI to print. */
export class SnapshotError extends Error {}

export const DEFAULT_KEEP = 20;
const SUFFIX = '.json';

/** The folder of one bridge's snapshots under `root`: its host and port, made safe for a file name. */
export function snapshotFolder(root: string, target: string): string {
  const url = new URL(target);
  return join(root, `${url.hostname}_${url.port || (url.protocol === 'https:' ? '443' : '80')}`.replace(/[^A-Za-z0-9._-]/g, '_'));
}

export class SnapshotShelf {
  constructor(readonly folder: string) {}

  /** Names, oldest first (names sort by time). */
  names(): string[] {
    let entries: string[];
    try {
      entries = readdirSync(this.folder);
    } catch {
      return [];
    }
    return entries
      .filter((f) => f.endsWith(SUFFIX) && !f.startsWith('.'))
      .map((f) => f.slice(0, -SUFFIX.length))
      .sort();
  }

  read(name: string): Snapshot {
    const bare = name.endsWith(SUFFIX) ? name.slice(0, -SUFFIX.length) : name;
    if (!this.names().includes(bare)) {
      const known = this.names();
      throw new SnapshotError(`there is no snapshot "${name}" in ${this.folder}${known.length ? `; the latest is ${known[known.length - 1]}` : ' (it holds none)'}.`);
    }
    const snap = JSON.parse(readFileSync(join(this.folder, bare + SUFFIX), 'utf8')) as Omit<Snapshot, 'name'>;
    return { ...snap, name: bare };
  }

  /** Writes the snapshot (whole, then renamed into place) and drops all but the `keep` most recent. */
  save(s: Omit<Snapshot, 'name' | 'takenAt'>, keep: number, now = new Date()): Snapshot {
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
    let name = `${stamp}-${s.rev.replace(/[^A-Za-z0-9]/g, '').slice(0, 8) || 'norev'}`;
    for (let i = 2; this.names().includes(name); i++) name = `${stamp}-${i}`;
    const snapshot: Snapshot = { name, takenAt: now.toISOString(), ...s };
    const { name: _n, ...stored } = snapshot;
    const tmp = join(this.folder, `.${name}.tmp`);
    writeFileSync(tmp, JSON.stringify(stored, null, 1), { mode: 0o600 });
    renameSync(tmp, join(this.folder, name + SUFFIX));
    const all = this.names();
    for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(join(this.folder, old + SUFFIX), { force: true });
    return snapshot;
  }
}
