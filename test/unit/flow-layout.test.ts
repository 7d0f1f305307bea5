// Every shipped flow reads cleanly in the editor: node boxes computed from each flow file in flows/ (and so
// examples/, which points at it) the way Node-RED sizes them from their labels, and no two overlap (comments
// and link nodes included) and no wire runs across another node.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { arrangeFlow } from '../../server/flow-layout/arrange';
import { type FlowNode, labelWidth, layoutProblems, nodeBox } from '../../server/flow-layout/geometry';
import { schemasDirectory } from '../../nodes/lib/validation';

const root = dirname(schemasDirectory());

describe('flow layout', () => {
  for (const dir of ['flows', 'examples']) {
    for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith('.json'))) {
      it(`${dir}/${file} has no overlapping nodes and no wire across a node`, () => {
        const flow = JSON.parse(readFileSync(join(root, dir, file), 'utf8')) as FlowNode[];
        assert.ok(flow.filter((n) => typeof n.x === 'number').length >= 3, 'a flow with nodes on its tabs');
        assert.deepEqual(
          layoutProblems(flow).map((p) => `${p.tab}: ${p.text}`),
          [],
        );
      });
    }
  }

  it('sizes nodes as the editor does: 100 px at least, label + 50 (+7 for an input) in steps of 20, CJK a full em', () => {
    const box = (n: Partial<FlowNode>) => nodeBox({ id: 'n', type: 'change', x: 500, y: 100, wires: [[]], ...n });
    const size = (n: Partial<FlowNode>) => {
      const b = box(n);
      return [b.right - b.left, b.bottom - b.top];
    };
    assert.deepEqual(size({ name: 'x' }), [100, 30]);
    assert.equal(labelWidth('错误'), 28);
    // Measured in Chromium: "错误 Errors" on a catch node is 120 px, "编码映射 MES → ERP" on a code-map node 200 px, "异常升级 escalation" with four outputs 180 × 60.
    assert.deepEqual(size({ type: 'catch', name: '错误 Errors' }), [120, 30]);
    assert.deepEqual(size({ type: 'code-map', name: '编码映射 MES → ERP', wires: [[], []] }), [200, 30]);
    assert.deepEqual(size({ type: 'exception-escalation', name: '异常升级 escalation', wires: [[], [], [], []] }), [180, 60]);
    assert.deepEqual(size({ type: 'link in', name: '计划 plans' }), [30, 30], 'a link node hides its label');
  });

  it('finds nodes on top of each other, a link node on a comment, and a wire through a node', () => {
    const tab = { id: 't', type: 'tab', label: 'T' };
    const flow: FlowNode[] = [
      tab,
      { id: 'note', type: 'comment', z: 't', name: 'a long comment across the top of the tab', x: 300, y: 40, wires: [] },
      { id: 'link', type: 'link out', z: 't', x: 200, y: 40, wires: [] },
      { id: 'a', type: 'inject', z: 't', name: '库存 每10分钟 stock every 10 min', x: 150, y: 120, wires: [['c']] },
      { id: 'b', type: 'change', z: 't', name: 'ERP 库存接口 stock API', x: 320, y: 120, wires: [[]] },
      { id: 'c', type: 'debug', z: 't', name: 'far away', x: 700, y: 120, wires: [] },
    ];
    const problems = layoutProblems(flow).map((p) => p.text);
    assert.ok(problems.includes('"a long comment across the top of the tab" overlaps "link out"'), problems.join('\n'));
    assert.ok(problems.includes('"库存 每10分钟 stock every 10 min" overlaps "ERP 库存接口 stock API"'), problems.join('\n'));
    assert.ok(problems.includes('the wire "库存 每10分钟 stock every 10 min" → "far away" crosses "ERP 库存接口 stock API"'), problems.join('\n'));
    assert.deepEqual(layoutProblems(arrangeFlow(flow)), [], 'the layout clears them');
  });
});
