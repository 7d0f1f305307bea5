export * from './tag-map';
export * from './readings';
export * from './opcua-reading';
export * from './modbus-reading';
export * from './opcua-watchdog';
export * from './signal';
