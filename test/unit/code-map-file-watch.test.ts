import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCodeFile, watchCodeFile } from '../../nodes/lib/code-map';

const watchHandles = (): number => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap' || r === 'StatWatcher').length;

describe('watchCodeFile', () => {
  it('reports a save that replaces the file by rename (as editors and Excel save), and lets go on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'code-map-watch-'));
    const file = join(dir, 'codes.csv');
    writeFileSync(file, 'table,erp,mes\nunit,PCS,EA\n');
    const before = watchHandles();
    let changed!: () => void;
    const saved = new Promise<void>((resolve) => (changed = resolve));
    const watch = watchCodeFile(file, () => changed(), 20);
    try {
      writeFileSync(join(dir, 'other.txt'), 'not ours');
      const temp = join(dir, '.codes.csv.tmp');
      writeFileSync(temp, 'table,erp,mes\nunit,PCS,PC\n');
      renameSync(temp, file);
      await saved;
      assert.deepEqual((await loadCodeFile(file, 'codes.csv')).lookup('unit', 'PCS', 'erp-to-mes'), { ok: true, code: 'PC' });
    } finally {
      watch.close();
      rmSync(dir, { recursive: true, force: true });
    }
    for (let i = 0; i < 200 && watchHandles() !== before; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(watchHandles(), before, 'the folder watch is closed');
  });
});
