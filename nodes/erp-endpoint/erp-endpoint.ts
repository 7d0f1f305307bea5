// Config node: where an ERP is and how to call it. Every secret may come from the environment, so one
// flow file serves many plants. Nodes that call the ERP ask for `client()` and share its connection pool.
import { readFileSync } from 'node:fs';
import type { NodeAPI, NodeDef } from 'node-red';
import type { ErpEndpointNode } from './types';
import { type ErpAuth, ErpHttpClient, ErpRequestError } from '../lib/erp/http-client';
import { type ErpProfile, ProfileSession, loadProfile, preset, presetIds } from '../lib/erp/profile';

type ValueSource = 'str' | 'env';

interface ErpEndpointDef extends NodeDef {
  baseUrl: string;
  baseUrlType: ValueSource;
  /** A preset id, or 'custom' for profileJson. */
  profile: string;
  profileJson: string;
  /** JSON object of non-secret per-ERP settings the profile reads as $params (database, account set, app id…). */
  params: string;
  authType: 'none' | 'basic' | 'bearer';
  username: string;
  usernameType: ValueSource;
  passwordEnv: string;
  tokenEnv: string;
  timeoutSec: string | number;
  retryBaseSec: string | number;
  retryMaxSec: string | number;
  rejectUnauthorized: boolean;
  caFile: string;
}

interface ErpEndpointCredentials {
  password?: string;
  token?: string;
}


function positive(value: string | number | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export = function register(RED: NodeAPI): void {
  function ErpEndpoint(this: ErpEndpointNode, config: ErpEndpointDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const label = config.name || 'ERP';

    /** A value typed in the dialog or read from an environment variable (flow/group env included). */
    function resolve(value: string, source: ValueSource | undefined, what: string): string {
      if (source !== 'env') return value ?? '';
      const resolved = RED.util.evaluateNodeProperty(value, 'env', node, {});
      if (resolved === undefined || resolved === '') {
        throw new ErpRequestError(`ERP endpoint '${label}': the environment variable ${value} for the ${what} is not set.`, 'config', '');
      }
      return String(resolved);
    }

    function secret(stored: string | undefined, envName: string, what: string): string {
      if (envName && envName.trim()) return resolve(envName.trim(), 'env', what);
      if (!stored) throw new ErpRequestError(`ERP endpoint '${label}' has no ${what}: enter it or name an environment variable.`, 'config', '');
      return stored;
    }

    node.retry = { baseMs: positive(config.retryBaseSec, 5) * 1000, maxMs: positive(config.retryMaxSec, 300) * 1000 };
    node.title = label;

    let client: ErpHttpClient | undefined;
    let session: ProfileSession | undefined;
    let configError: ErpRequestError | undefined;
    try {
      const profile: ErpProfile =
        config.profile === 'custom' ? loadProfile(config.profileJson, `ERP endpoint '${label}': the custom profile`) : preset(config.profile || 'generic-rest');
      node.profile = profile;
      let params: Record<string, unknown> = {};
      if (config.params && config.params.trim()) {
        try {
          params = JSON.parse(config.params);
        } catch (err) {
          throw new ErpRequestError(`ERP endpoint '${label}': the ERP settings are not valid JSON: ${(err as Error).message}.`, 'config', '');
        }
      }
      const baseUrl = resolve(config.baseUrl, config.baseUrlType, 'base URL');
      if (!baseUrl) throw new ErpRequestError(`ERP endpoint '${label}' has no base URL.`, 'config', '');
      node.title = `${label} (${baseUrl})`;
      // The profile says how credentials are used; the dialog says which ones this ERP has.
      const username = config.authType === 'basic' ? resolve(config.username, config.usernameType, 'user name') : undefined;
      const password = config.authType === 'basic' ? secret(node.credentials.password, config.passwordEnv, 'password') : undefined;
      const token = config.authType === 'bearer' ? secret(node.credentials.token, config.tokenEnv, 'token') : undefined;
      let auth: ErpAuth = { kind: 'none' };
      if (profile.auth.kind === 'basic' && username !== undefined) auth = { kind: 'basic', username, password: password ?? '' };
      else if (profile.auth.kind === 'bearer' && token !== undefined) auth = { kind: 'bearer', token };
      let ca: Buffer | undefined;
      if (config.caFile) {
        try {
          ca = readFileSync(config.caFile);
        } catch (err) {
          throw new ErpRequestError(`ERP endpoint '${label}' cannot read its CA file ${config.caFile}: ${(err as Error).message}.`, 'config', baseUrl);
        }
      }
      client = new ErpHttpClient({
        name: label,
        baseUrl,
        auth,
        timeoutMs: positive(config.timeoutSec, 30) * 1000,
        tls: { rejectUnauthorized: config.rejectUnauthorized !== false, ca },
      });
      session = new ProfileSession(client, profile, { username, password, token }, params);
    } catch (err) {
      configError = err instanceof ErpRequestError ? err : new ErpRequestError(String((err as Error).message ?? err), 'config', '');
      node.profile ??= preset('generic-rest');
      node.error(configError.message);
    }

    node.client = () => {
      if (configError) throw configError;
      return client!;
    };
    node.session = () => {
      if (configError) throw configError;
      return session!;
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      client?.close();
      done();
    });
  }

  // The editor lists the presets and copies one into a custom profile.
  RED.httpAdmin.get('/erp-endpoint/presets', RED.auth.needsPermission('erp-endpoint.read'), (_req, res) => {
    res.json(presetIds().map((id) => preset(id)));
  });

  RED.nodes.registerType('erp-endpoint', ErpEndpoint as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: {
      password: { type: 'password' },
      token: { type: 'password' },
    },
  });
};
