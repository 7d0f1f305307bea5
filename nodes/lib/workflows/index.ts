// What the workflow nodes (material-overdraw, exception-escalation) share: the runner around their books, the
// outbox delivery of their ERP records, and the registry the server's workflow API finds them through.
export { routedHttpDelivery, type ErpRecord } from './erp-delivery';
export { dashboardDecisionRefused, dashboardStepRefused, fromDashboard } from './message-origin';
export * from './registry';
export { WorkflowRunner, type ErpSend, type StepEffects, type WorkflowBook } from './runner';
