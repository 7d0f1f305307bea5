// The bridge's own REST API, mounted on Node-RED's admin app so that Node-RED's login tokens and
// permissions (RED.auth.needsPermission) guard it exactly like the editor's own API.
import type { Request, Response } from 'express';
import type { RedApp } from './red-types';

export interface BridgeInfo {
  name: string;
  version: string;
  demo: boolean;
}

interface NodeSetInfo {
  module: string;
  types: string[];
  enabled: boolean;
  loaded: boolean;
}

/** The node types of this pack that the runtime has actually loaded. */
export function loadedNodeTypes(red: RedApp, moduleName: string): string[] {
  const list = (red.nodes as unknown as { getNodeList(): NodeSetInfo[] }).getNodeList();
  return list
    .filter((set) => set.module === moduleName && set.enabled && set.loaded)
    .flatMap((set) => set.types)
    .sort();
}

export function mountBridgeApi(red: RedApp, info: BridgeInfo): void {
  red.httpAdmin.get('/api/info', red.auth.needsPermission('flows.read'), (_req: Request, res: Response) => {
    res.json({ ...info, nodes: loadedNodeTypes(red, info.name) });
  });
}
