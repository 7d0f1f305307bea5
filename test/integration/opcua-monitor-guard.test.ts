// A monitored item asked for while its OPC UA session closes (a redeploy or SIGTERM during subscribing) must
// fail its callback, not throw from node-opcua's timer and stop the runtime: against the simulated machines.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AttributeIds, ClientMonitoredItem, MonitoringMode, OPCUAClient, TimestampsToReturn, type ClientSession, type ClientSubscription } from 'node-opcua';
import { guardOpcuaMonitoringAfterSessionClose } from '../../server/opcua-monitor-guard';
import { startEquipmentPlant, type EquipmentPlant } from '../../server/simulator/equipment-plant';

describe('monitored items asked for as the OPC UA session closes', () => {
  let plant: EquipmentPlant;
  before(async () => {
    plant = await startEquipmentPlant({ host: '127.0.0.1', opcuaPort: 0, modbusPort: 0 });
  });
  after(async () => {
    await plant?.close();
  });

  it('fail their callback with a sentence instead of an uncaught assertion', async () => {
    assert.equal(guardOpcuaMonitoringAfterSessionClose(), true);
    const uncaught: Error[] = [];
    const onUncaught = (err: Error) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 } });
    try {
      await client.connect(plant.opcuaEndpoint);
      const session: ClientSession = await client.createSession();
      const subscription: ClientSubscription = await session.createSubscription2({ requestedPublishingInterval: 100, publishingEnabled: true });
      const answered = new Promise<Error | undefined>((resolve) => {
        subscription.monitor({ nodeId: 'ns=1;s=EQ-EXTR-01.State', attributeId: AttributeIds.Value }, { samplingInterval: 100, queueSize: 1 }, TimestampsToReturn.Both, MonitoringMode.Reporting, (err?: Error | null) =>
          resolve(err ?? undefined),
        );
      });
      // The session goes in the same tick, before node-opcua's setImmediate creates the item.
      const closing = session.close();
      const err = await answered;
      await closing.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(uncaught, []);
      assert.ok(err, 'the monitor callback was told');
      assert.match(err.message, /session|subscription/i);
    } finally {
      process.off('uncaughtException', onUncaught);
      await client.disconnect();
    }
  });

  it('give an item created after the session closed a stand-in that reports it once, as node-red-contrib-opcua creates them', async () => {
    assert.equal(guardOpcuaMonitoringAfterSessionClose(), true);
    const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 } });
    try {
      await client.connect(plant.opcuaEndpoint);
      const session: ClientSession = await client.createSession();
      const subscription: ClientSubscription = await session.createSubscription2({ requestedPublishingInterval: 100, publishingEnabled: true });
      await session.close();
      // The contrib client does this in the subscription's "started" handler, then calls .on on what it got.
      const item = ClientMonitoredItem.create(subscription, { nodeId: 'ns=1;s=EQ-EXTR-01.State', attributeId: AttributeIds.Value }, { samplingInterval: 100, queueSize: 1 }, TimestampsToReturn.Both);
      const reported = await new Promise<string>((resolve) => item.on('err', (message: string) => resolve(message)));
      assert.match(reported, /session closed/);
      await item.terminate();
    } finally {
      await client.disconnect();
    }
  });
});
