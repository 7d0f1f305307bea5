export * from './types';
export * from './records';
export * from './answer';
export * from './code';
export { SqliteTraceStore, type TraceStoreOptions } from './sqlite-trace-store';
export { RedisTraceStore } from './redis-trace-store';
