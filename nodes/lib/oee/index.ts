// OEE (设备综合效率): availability, performance, quality per machine per hour and shift, equipment status
// for the ERP, and equipment-fault exceptions, from PLC / OPC UA signals.
export { OeeBook } from './book';
export { continues, countBetween, countDelta, insertReading, MAX_RATE_OVER_IDEAL, type Reading } from './counters';
export { oeeFigures, belowThreshold, checkIdealCycle, oeeAlarm } from './figures';
export { checkMaster, currentOperation, plannedOperations } from './routing';
export { ShiftCalendar } from './shifts';
export * from './types';
