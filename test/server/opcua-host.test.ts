// The simulated OPC UA machines listen where HOST says, not on every interface: bound to 127.0.0.1 they answer
// there and refuse a connection to another address of the machine (127.0.0.2 is this host's loopback too).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { EquipmentModel } from '../../server/simulator/equipment-model';
import { startOpcuaMachines } from '../../server/simulator/opcua-machines';

/** Whether a TCP connection to host:port is accepted (true) or refused (false). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? resolve(false) : reject(err)));
  });
}

describe('the simulated OPC UA machines and HOST', () => {
  it('listen on the address they are given and name it in their endpoint', async () => {
    const machines = await startOpcuaMachines({ model: new EquipmentModel({ machines: [], startMs: Date.now() }), machines: [], host: '127.0.0.1' });
    try {
      assert.match(machines.endpoint, /^opc\.tcp:\/\/127\.0\.0\.1:\d+\//);
      assert.equal(await accepts('127.0.0.1', machines.port), true);
      assert.equal(await accepts('127.0.0.2', machines.port), false, 'the OPC UA server answers on another interface than HOST');
    } finally {
      await machines.close();
    }
  });
});
