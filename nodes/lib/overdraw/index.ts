// Material control (MES ↔ ERP): the requisition book, the BOM need it checks against, and its messages.
export { RequisitionBook } from './book';
export { overdueApprovalException, shortageException } from './messages';
export { orderMaterials, roundQty } from './needs';
export { overdrawSettings } from './state';
export * from './types';
