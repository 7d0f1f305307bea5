// The parts of the Node-RED embedding API the server uses, typed where @types/node-red is too narrow.
export type RedApp = typeof import('node-red');

/** A Node-RED logging handler factory, as in settings.logging.<name>.handler. */
export type LogHandlerFactory = (settings: unknown) => (msg: { level: number; type?: string; msg?: unknown }) => void;
