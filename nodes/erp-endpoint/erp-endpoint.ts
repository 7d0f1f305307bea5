// Config node: where an ERP is and how to call it (its profile). Every secret may come from the environment,
// so one flow file serves many plants. Nodes that call the ERP share its session and connection pool.
import type { NodeAPI, NodeDef } from 'node-red';
import { type EndpointSettings, type OpenEndpoint, endpointProfile, openEndpoint } from '../lib/erp/endpoint';
import { ErpRequestError } from '../lib/erp/http-client';
import { preset, presetIds } from '../lib/erp/profile';
import { connectionTest } from './connection-test';
import type { ErpEndpointNode } from './types';

type ErpEndpointDef = NodeDef & EndpointSettings & { retryBaseSec: string | number; retryMaxSec: string | number };

function positive(value: string | number | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export = function register(RED: NodeAPI): void {
  function ErpEndpoint(this: ErpEndpointNode, config: ErpEndpointDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.retry = { baseMs: positive(config.retryBaseSec, 5) * 1000, maxMs: positive(config.retryMaxSec, 300) * 1000 };
    node.title = config.name || 'ERP';
    node.label = config.name || config.id;

    let open: OpenEndpoint | undefined;
    let configError: ErpRequestError | undefined;
    try {
      // Flow and group env count too, as everywhere in Node-RED.
      open = openEndpoint(config, node.credentials, (name) => {
        const value = RED.util.evaluateNodeProperty(name, 'env', node, {});
        return value === undefined ? undefined : String(value);
      });
      node.title = open.title;
      node.profile = open.profile;
      // A field the preset would use but this ERP lacks is said once per connection, here, not by every user of it.
      open.session.onWarning = (message) => node.warn(message);
    } catch (err) {
      configError = err instanceof ErpRequestError ? err : new ErpRequestError(String((err as Error).message ?? err), 'config', '');
      node.profile = safeProfile(config);
      node.error(configError.message);
    }

    node.client = () => {
      if (configError) throw configError;
      return open!.client;
    };
    node.session = () => {
      if (configError) throw configError;
      return open!.session;
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      open?.client.close();
      done();
    });
  }

  function safeProfile(config: EndpointSettings) {
    try {
      return endpointProfile(config);
    } catch {
      return preset('generic-rest');
    }
  }

  // The editor lists the presets and copies one into a custom profile.
  RED.httpAdmin.get('/erp-endpoint/presets', RED.auth.needsPermission('erp-endpoint.read'), (_req, res) => {
    res.json(presetIds().map((id) => preset(id)));
  });

  // "Test connection": fetch one page with the settings in the dialog (saved or not) and show the first mapped order.
  RED.httpAdmin.post('/erp-endpoint/test', RED.auth.needsPermission('erp-endpoint.write'), async (req, res) => {
    const { id, settings, credentials } = (req.body ?? {}) as { id?: string; settings?: EndpointSettings; credentials?: { password?: string; token?: string } };
    const saved = (id && RED.nodes.getCredentials(id)) || {};
    // The editor sends "__PWRD__" for a password it did not change.
    const stored = {
      password: credentials?.password && credentials.password !== '__PWRD__' ? credentials.password : (saved as { password?: string }).password,
      token: credentials?.token && credentials.token !== '__PWRD__' ? credentials.token : (saved as { token?: string }).token,
    };
    res.json(await connectionTest(settings ?? ({} as EndpointSettings), stored, (name) => process.env[name]));
  });

  RED.nodes.registerType('erp-endpoint', ErpEndpoint as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: {
      password: { type: 'password' },
      token: { type: 'password' },
    },
  });
};
