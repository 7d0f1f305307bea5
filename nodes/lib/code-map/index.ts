// The master-data code mapping core (主数据编码映射): tables, code files, field paths, message mapping.
export * from './tables';
export * from './csv';
export * from './file-source';
export * from './paths';
export * from './map-message';
