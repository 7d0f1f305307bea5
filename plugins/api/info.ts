// GET /api/info: the pack's name, version, whether this runtime is the demo plant, and the pack's node types the
// runtime has actually loaded. The plugin loads before the nodes, so it hears each type registered as it happens.
import type { Request, Response } from 'express';
import type { RedApp } from './red';

export interface PackInfo {
  name: string;
  version: string;
}

/** Collects the pack's types as Node-RED registers them; returns the list (live) and a detach. */
export function watchLoadedTypes(red: RedApp, declared: readonly string[]): { loaded: Set<string>; detach(): void } {
  const loaded = new Set<string>();
  const onType = (type: string) => {
    if (declared.includes(type)) loaded.add(type);
  };
  red.events.on('type-registered', onType);
  return { loaded, detach: () => red.events.off('type-registered', onType) };
}

export function mountInfoApi(red: RedApp, info: PackInfo, loaded: ReadonlySet<string>): void {
  red.httpAdmin.get('/api/info', red.auth.needsPermission('flows.read'), (_req: Request, res: Response) => {
    res.json({ name: info.name, version: info.version, demo: red.settings.erpMesBridge?.demo === true, nodes: [...loaded].sort() });
  });
}
