import { Counter } from 'prom-client';
import { registry } from '../../health/metrics';

export const rateLimited = new Counter({
  name: 'xenplane_api_rate_limited_total',
  help: 'Requests refused with 429, by the budget they exceeded (token or address)',
  labelNames: ['bucket'],
  registers: [registry],
});
