// The demo plant's 主数据编码映射: ERP codes (plant 1010, Suzhou) → MES codes. It covers every ERP
// code the simulator seeds except work centre WC-OLD09, which is left out on purpose so the demo
// shows an unmapped code being caught instead of passing silently.

export type CodeTableName = 'material' | 'equipment' | 'operation' | 'unit' | 'plant';

export interface DemoCodeEntry {
  table: CodeTableName;
  erp: string;
  mes: string;
  description: string;
}

export const demoCodeTable: DemoCodeEntry[] = [
  { table: 'plant', erp: '1010', mes: 'SZ01', description: '苏州工厂' },

  { table: 'material', erp: 'FG-100234', mes: 'P-IVSET-20', description: '一次性使用输液器' },
  { table: 'material', erp: 'FG-100235', mes: 'P-IVC-22G', description: '静脉留置针 22G' },
  { table: 'material', erp: 'FG-100310', mes: 'P-CATH-16F', description: '导尿管 16Fr' },
  { table: 'material', erp: 'RM-200101', mes: 'M-PVC-MED', description: '医用PVC粒料' },
  { table: 'material', erp: 'RM-200115', mes: 'M-NEEDLE-SS', description: '不锈钢针管' },
  { table: 'material', erp: 'RM-200130', mes: 'M-DRIP-CH', description: '滴斗' },
  { table: 'material', erp: 'RM-200140', mes: 'M-SIL-MED', description: '医用硅胶' },
  { table: 'material', erp: 'RM-200150', mes: 'M-FLOW-REG', description: '流量调节器' },
  { table: 'material', erp: 'PK-300001', mes: 'M-PKG-POUCH', description: '初包装袋' },
  { table: 'material', erp: 'PK-300010', mes: 'M-CTN-50', description: '外箱' },

  { table: 'equipment', erp: 'WC-EXT01', mes: 'EQ-EXTR-01', description: '挤出机1号' },
  { table: 'equipment', erp: 'WC-ASM01', mes: 'EQ-ASM-01', description: '自动组装线1' },
  { table: 'equipment', erp: 'WC-ASM02', mes: 'EQ-ASM-02', description: '自动组装线2' },
  { table: 'equipment', erp: 'WC-BOND1', mes: 'EQ-UVB-01', description: 'UV粘接机' },
  { table: 'equipment', erp: 'WC-LEAK1', mes: 'EQ-LEAK-01', description: '密封性测试台' },
  { table: 'equipment', erp: 'WC-STER', mes: 'EQ-ETO-01', description: '环氧乙烷灭菌柜' },
  { table: 'equipment', erp: 'WC-PACK', mes: 'EQ-PACK-01', description: '包装线' },

  { table: 'operation', erp: 'EXTR', mes: 'OP-EXTRUDE', description: '挤出' },
  { table: 'operation', erp: 'ASSY', mes: 'OP-ASSEMBLE', description: '组装' },
  { table: 'operation', erp: 'BOND', mes: 'OP-BOND', description: '粘接' },
  { table: 'operation', erp: 'LEAK', mes: 'OP-LEAKTEST', description: '密封性测试' },
  { table: 'operation', erp: 'STER', mes: 'OP-STERILIZE', description: '灭菌' },
  { table: 'operation', erp: 'PACK', mes: 'OP-PACK', description: '包装' },

  { table: 'unit', erp: 'PCS', mes: 'EA', description: '个' },
  { table: 'unit', erp: 'KG', mes: 'kg', description: '千克' },
  { table: 'unit', erp: 'M', mes: 'm', description: '米' },
  { table: 'unit', erp: 'BOX', mes: 'CTN', description: '箱' },
];

/** The same table as CSV (header `table,erp,mes,description`), as a code-map-table file would hold it. */
export function demoCodeTableCsv(): string {
  const rows = demoCodeTable.map((e) => [e.table, e.erp, e.mes, e.description].map(csvField).join(','));
  return ['table,erp,mes,description', ...rows].join('\n') + '\n';
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
