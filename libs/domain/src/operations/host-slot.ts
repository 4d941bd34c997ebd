/**
 * How long an operation's slot on a host (its share of HOST_OPERATION_CONCURRENCY) lasts
 * without renewal: longer than the longest agent call — an ordinary one, or a clean shutdown
 * with its grace — so a live holder never loses it mid-call, while a killed scheduler's slot
 * frees itself soon after.
 */
export function hostSlotLeaseMs(agentCallTimeoutMs: number, shutdownTimeoutS: number): number {
  return Math.max(agentCallTimeoutMs, (shutdownTimeoutS + 15) * 1000) + 5_000;
}
