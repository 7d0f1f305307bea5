// Config node: where an ERP is and how to call it. Every secret may come from the environment, so one
// flow file serves many plants. Nodes that call the ERP ask for `client()` and share its connection pool.
import { readFileSync } from 'node:fs';
import type { NodeAPI, NodeDef } from 'node-red';
import type { ErpEndpointNode } from './types';
import { type ErpAuth, ErpHttpClient, ErpRequestError } from '../lib/erp/http-client';

type ValueSource = 'str' | 'env';

interface ErpEndpointDef extends NodeDef {
  baseUrl: string;
  baseUrlType: ValueSource;
  profile: 'generic-rest';
  ordersPath: string;
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

    node.ordersPath = config.ordersPath || 'production-orders';
    node.retry = { baseMs: positive(config.retryBaseSec, 5) * 1000, maxMs: positive(config.retryMaxSec, 300) * 1000 };
    node.title = label;

    let client: ErpHttpClient | undefined;
    let configError: ErpRequestError | undefined;
    try {
      const baseUrl = resolve(config.baseUrl, config.baseUrlType, 'base URL');
      if (!baseUrl) throw new ErpRequestError(`ERP endpoint '${label}' has no base URL.`, 'config', '');
      node.title = `${label} (${baseUrl})`;
      let auth: ErpAuth = { kind: 'none' };
      if (config.authType === 'basic') {
        auth = { kind: 'basic', username: resolve(config.username, config.usernameType, 'user name'), password: secret(node.credentials.password, config.passwordEnv, 'password') };
      } else if (config.authType === 'bearer') {
        auth = { kind: 'bearer', token: secret(node.credentials.token, config.tokenEnv, 'token') };
      }
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
    } catch (err) {
      configError = err instanceof ErpRequestError ? err : new ErpRequestError(String((err as Error).message ?? err), 'config', '');
      node.error(configError.message);
    }

    node.client = () => {
      if (configError) throw configError;
      return client!;
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      client?.close();
      done();
    });
  }

  RED.nodes.registerType('erp-endpoint', ErpEndpoint as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: {
      password: { type: 'password' },
      token: { type: 'password' },
    },
  });
};
