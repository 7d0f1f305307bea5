// Actual vs standard cost (标准成本 vs 实际成本): the book, the ERP's standard cost and the exact money it is counted in.
export { CostBook, costSettings } from './book';
export { checkStandardCost, looksLikeCostRow, standardCostFromRow, STANDARD_COST_COLUMNS } from './standard';
export * from './types';
