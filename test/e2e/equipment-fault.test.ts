// End to end through the demo plant as shipped (fault limit shortened): a machine of the simulator goes into
// fault over OPC UA → the equipment tab's contrib client and equipment-signal → oee → the ERP hears the state
// change through the outbox, and the fault outlasting its limit becomes one urgent equipment exception naming the
// backup machine, which exception-escalation opens and notifies the ERP of.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

interface Received {
  key: string;
  body: Record<string, unknown>;
}
interface OpenException {
  event: { id: string; type: string; severity: string; equipment?: string; description?: string };
}

describe('a machine fault in the demo plant reaches exception-escalation and the ERP', () => {
  let server: ServerProcess;
  let token: string;

  before(async () => {
    const flows = JSON.parse(readFileSync(join(repoRoot, 'flows', 'demo-plant.json'), 'utf8')) as Array<Record<string, unknown>>;
    const oee = flows.find((n) => n.id === 'oee')!;
    oee.faultAfterMin = 0.05; // 3 s instead of 10 min
    server = await startServerProcess({ flows, env: { ADMIN_PASSWORD: 'fault-pass', SIM_MES_REPORTS_MS: '0' } });
    const res = await fetch(`${server.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: 'fault-pass' }),
    });
    token = ((await res.json()) as { access_token: string }).access_token;
  });
  after(async () => {
    await server?.stop();
  });

  const inbox = async (name: string) => ((await (await fetch(`${server.simUrl}/erp/_sim/workflows?inbox=${name}`)).json()) as { items: Received[] }).items;

  it('sends the fault to the ERP as a state change and raises one urgent exception naming the backup', async () => {
    // The OPC UA machine is read before the fault, so its state change is the fault.
    await eventually(async () => (await inbox('equipment-status')).some((r) => r.body.equipment === 'EQ-ASM-01'), 'the first state of EQ-ASM-01 at the ERP', 45_000);
    const forced = await fetch(`${server.simUrl}/equipment/_sim/machines/EQ-ASM-01/state`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state: 'fault', durationSec: 120 }) });
    assert.equal(forced.status, 200, await forced.text());

    await eventually(async () => (await inbox('equipment-status')).some((r) => r.body.equipment === 'EQ-ASM-01' && r.body.state === 'fault'), 'the fault of EQ-ASM-01 at the ERP', 30_000);
    let last = '';
    const raised = await eventually(
      async () => {
        const res = await fetch(`${server.url}/api/exceptions`, { headers: { authorization: `Bearer ${token}` } });
        const items = ((await res.json()) as { items: OpenException[] }).items;
        // The MES's machine code is mapped to the ERP's work centre on the way in (EQ-ASM-01 → WC-ASM01).
        const faults = items.filter((x) => x.event.type === 'equipment-fault' && x.event.equipment === 'WC-ASM01');
        last = JSON.stringify(items.map((x) => x.event)).slice(0, 600);
        return faults.length > 0 ? faults : undefined;
      },
      'the equipment exception at exception-escalation',
      30_000,
    ).catch((err: Error) => assert.fail(`${err.message}; open exceptions: ${last}`));
    assert.equal(raised.length, 1, 'one exception per fault');
    assert.equal(raised[0].event.severity, 'urgent');
    assert.match(raised[0].event.description ?? '', /EQ-ASM-02/);
    await eventually(async () => (await inbox('exception-notices')).some((r) => JSON.stringify(r.body).includes(raised[0].event.id)), 'the ERP notified of the exception', 30_000);
  });
});
