// The demo plant's OPC UA server (node-opcua) on loopback: one object per machine of the shared equipment
// model with State, PartCounter, RejectCounter, SpindleSpeed and Temperature variables (ns=1;s=<code>.<Name>),
// written from the model on every tick with the model's time as source timestamp. restart() stops the server
// and starts a fresh one on the same port, as a PLC reboot does: sessions and subscriptions are gone.
import { DataType, OPCUAServer, SecurityPolicy, MessageSecurityMode, StatusCodes, Variant, type UAVariable } from 'node-opcua';
import type { EquipmentModel } from './equipment-model';
import { OPCUA_RESOURCE_PATH, opcuaTagsOf, type OpcuaTag } from './equipment-tags';

export interface OpcuaMachinesOptions {
  model: EquipmentModel;
  machines: string[];
  port?: number; // 0 = free port
  /** The address to listen on (HOST; default 127.0.0.1): node-opcua listens on every interface unless told. */
  host?: string;
  /** How often the model is advanced and the variables written, ms (default 500). */
  tickMs?: number;
  now?: () => number;
  /** Extra Double variables ns=1;s=Load.Tag001… that change every loadTagEveryMs (the benchmark's 100 tags). */
  loadTags?: number;
  loadTagEveryMs?: number;
}

export interface OpcuaMachines {
  endpoint: string;
  port: number;
  loadTagIds: string[];
  /** Values written to the load tags so far (what the benchmark offers). */
  loadValuesWritten(): number;
  /** Shuts the server down and starts a new one on the same port. */
  restart(downMs?: number): Promise<void>;
  close(): Promise<void>;
}

const DATA_TYPES = { String: DataType.String, UInt32: DataType.UInt32, Double: DataType.Double } as const;

interface Running {
  server: OPCUAServer;
  timers: NodeJS.Timeout[];
}

export async function startOpcuaMachines(opts: OpcuaMachinesOptions): Promise<OpcuaMachines> {
  const now = opts.now ?? Date.now;
  const tags = opts.machines.flatMap(opcuaTagsOf);
  const loadTagIds = Array.from({ length: opts.loadTags ?? 0 }, (_, i) => `ns=1;s=Load.Tag${String(i + 1).padStart(3, '0')}`);
  let loadWritten = 0;
  let port = opts.port ?? 0;
  const host = opts.host ?? '127.0.0.1';
  // What clients are told to dial: a wildcard address is reached on the loopback.
  const hostname = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  let running = await boot(port);
  port = running.server.endpoints[0].port;

  async function boot(onPort: number): Promise<Running> {
    const server = new OPCUAServer({
      port: onPort,
      host,
      hostname,
      resourcePath: OPCUA_RESOURCE_PATH,
      buildInfo: { productName: 'ERP–MES Bridge demo plant', manufacturerName: 'Demo plant 1010 Suzhou' },
      securityPolicies: [SecurityPolicy.None],
      securityModes: [MessageSecurityMode.None],
      allowAnonymous: true,
      maxConnectionsPerEndpoint: 50,
    });
    await server.initialize();
    const addressSpace = server.engine.addressSpace;
    if (!addressSpace) throw new Error('the OPC UA server has no address space after initialize()');
    const ns = addressSpace.getOwnNamespace();
    const variables: Array<{ tag: OpcuaTag; variable: UAVariable }> = [];
    for (const equipment of opts.machines) {
      const machine = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: equipment, nodeId: `s=${equipment}` });
      for (const tag of tags.filter((t) => t.equipment === equipment)) {
        const variable = ns.addVariable({ componentOf: machine, browseName: tag.browseName, nodeId: tag.nodeId.replace('ns=1;', ''), dataType: tag.dataType });
        variables.push({ tag, variable });
      }
    }
    const write = () => {
      opts.model.advance(now());
      const at = new Date(opts.model.time);
      for (const { tag, variable } of variables) {
        const value = opts.model.reading(tag.equipment)[tag.field];
        // Written only on change, so a monitored item sees one notification per real change.
        if (variable.readValue().value.value === value) continue;
        variable.setValueFromSource(new Variant({ dataType: DATA_TYPES[tag.dataType], value }), StatusCodes.Good, at);
      }
    };
    write();
    const timers = [setInterval(write, opts.tickMs ?? 500)];
    if (loadTagIds.length > 0) {
      const load = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: 'Load', nodeId: 's=Load' });
      const loadVars = loadTagIds.map((id) => ns.addVariable({ componentOf: load, browseName: id.slice(id.indexOf('Tag')), nodeId: id.replace('ns=1;', ''), dataType: 'Double', value: { dataType: DataType.Double, value: 0 } }));
      let n = 0;
      timers.push(
        setInterval(() => {
          n += 1;
          const at = new Date();
          // Every tag gets a new value every period: what the benchmark offers the client.
          for (const v of loadVars) v.setValueFromSource(new Variant({ dataType: DataType.Double, value: n }), StatusCodes.Good, at);
          loadWritten += loadVars.length;
        }, opts.loadTagEveryMs ?? 100),
      );
    }
    for (const t of timers) t.unref();
    try {
      await server.start();
    } catch (err) {
      // A server that could not listen is taken down whole: its write timer would otherwise go on against an
      // address space node-opcua has already let go of (uncaught "getNamespace of null").
      for (const t of timers) clearInterval(t);
      await server.shutdown(0).catch(() => undefined);
      throw err;
    }
    return { server, timers };
  }

  async function stop(r: Running): Promise<void> {
    for (const t of r.timers) clearInterval(t);
    await r.server.shutdown(0);
  }

  let closing: Promise<void> | undefined;
  let restarting: Promise<void> = Promise.resolve();
  return {
    endpoint: `opc.tcp://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}${OPCUA_RESOURCE_PATH}`,
    port,
    loadTagIds,
    loadValuesWritten: () => loadWritten,
    restart(downMs = 0) {
      restarting = restarting.then(async () => {
        await stop(running);
        if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
        running = await boot(port);
      });
      return restarting;
    },
    close() {
      closing ??= restarting.then(() => stop(running));
      return closing;
    },
  };
}
