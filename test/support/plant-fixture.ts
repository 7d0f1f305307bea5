// For node tests that run flows against the demo plant: a Node-RED test runtime for the suite, and a
// fresh simulator and temp folder for each test, all cleaned up afterwards. Call inside describe().
import { after, afterEach, before, beforeEach } from 'node:test';
import helper from 'node-red-node-test-helper';
import { startPlantSimulator, type PlantSimulator } from '../../server/simulator/plant-simulator';
import { tempDir } from './temp';

export interface PlantFixture {
  sim: PlantSimulator;
  dir: ReturnType<typeof tempDir>;
}

export function usePlantFixture(seedOrders: number, cleanup: () => void = () => {}): PlantFixture {
  const fixture = {} as PlantFixture;
  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  beforeEach(async () => {
    fixture.sim = await startPlantSimulator({ seedOrders });
    fixture.dir = tempDir();
  });
  afterEach(async () => {
    await helper.unload();
    await fixture.sim.close();
    fixture.dir.remove();
    cleanup();
  });
  return fixture;
}
