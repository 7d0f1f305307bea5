// The parts of the Node-RED embedding API the server uses, typed where @types/node-red is too narrow.
export type RedApp = typeof import('node-red');
