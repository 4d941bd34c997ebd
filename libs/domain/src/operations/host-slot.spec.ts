import { hostSlotLeaseMs } from './host-slot';

describe('hostSlotLeaseMs', () => {
  it('outlasts a clean shutdown with its grace, by default settings', () => {
    // AGENT_CALL_TIMEOUT_MS 10 s, SHUTDOWN_TIMEOUT_S 30: the shutdown is the longer call
    expect(hostSlotLeaseMs(10_000, 30)).toBe(50_000);
  });

  it('outlasts an agent call longer than any shutdown', () => {
    expect(hostSlotLeaseMs(120_000, 30)).toBe(125_000);
  });
});
