// The parts of the Node-RED embedding API the server uses, typed where @types/node-red is too narrow.
export type RedApp = typeof import('node-red');

/** Node-RED's hooks accept labelled ids ("onSend.metrics"), which @types/node-red does not declare. */
export interface LabelledHooks {
  add(hookId: string, handler: (payload: unknown) => unknown): void;
  remove(hookId: string): void;
}

/** A Node-RED logging handler factory, as in settings.logging.<name>.handler. */
export type LogHandlerFactory = (settings: unknown) => (msg: { level: number; type?: string; msg?: unknown }) => void;
