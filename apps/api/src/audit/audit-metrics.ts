import { Counter } from 'prom-client';
import { registry } from '../health/metrics';

/** Audit rows that could not be written (each is logged whole, at error level): alert on any. */
export const auditWriteFailures = new Counter({
  name: 'xenplane_api_audit_write_failures_total',
  help: 'Audit rows the API could not write (logged at error level instead)',
  registers: [registry],
});
