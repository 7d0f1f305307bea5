// Where the last exported chain head of each audit log is kept, outside the store: a small JSON file (mode
// 0600) in the Node-RED userDir, beside the generated key. Verification compares the chain with it, so a store
// rewritten or cut short by someone who holds only the store is found out. Each chain is named by its store.
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ExportedHead } from './types';

export interface HeadLedger {
  get(chainId: string): ExportedHead | undefined;
  put(chainId: string, head: ExportedHead): void;
  /** Where it is kept, for messages. */
  readonly where: string;
}

export class MemoryHeadLedger implements HeadLedger {
  private readonly heads = new Map<string, ExportedHead>();
  readonly where = 'this process’s memory';
  get(chainId: string): ExportedHead | undefined {
    return this.heads.get(chainId);
  }
  put(chainId: string, head: ExportedHead): void {
    this.heads.set(chainId, { ...head });
  }
}

export class FileHeadLedger implements HeadLedger {
  constructor(readonly where: string) {}

  get(chainId: string): ExportedHead | undefined {
    return this.read()[chainId];
  }

  put(chainId: string, head: ExportedHead): void {
    const all = this.read();
    all[chainId] = head;
    // Written whole and renamed into place: a crash leaves the old file or the new one, never half of one.
    const tmp = `${this.where}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ heads: all }, null, 2) + '\n', { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.where);
  }

  private read(): Record<string, ExportedHead> {
    if (!existsSync(this.where)) return {};
    try {
      const parsed = JSON.parse(readFileSync(this.where, 'utf8')) as { heads?: Record<string, ExportedHead> };
      return parsed.heads ?? {};
    } catch (err) {
      throw new Error(`The exported audit heads in ${this.where} could not be read: ${(err as Error).message}.`, { cause: err });
    }
  }
}
