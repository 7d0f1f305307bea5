// What other nodes may use of this config node.
import type { Node } from 'node-red';
import type { BackoffPolicy } from '../lib/backoff';
import type { ErpHttpClient } from '../lib/erp/http-client';
import type { ErpProfile, ProfileSession } from '../lib/erp/profile';

export interface ErpEndpointNode extends Node<{ password?: string; token?: string }> {
  /** "Demo ERP (http://…)", for messages. */
  title: string;
  /** The endpoint's name, or its node id when it has none: how metrics and APIs name it, without its address. */
  label: string;
  profile: ErpProfile;
  retry: BackoffPolicy;
  /** The shared HTTP client; throws an ErpRequestError of kind 'config' when the endpoint is misconfigured. */
  client(): ErpHttpClient;
  /** Calls the ERP as its profile says (auth, sessions, CSRF); shared by every node using this endpoint. */
  session(): ProfileSession;
}
