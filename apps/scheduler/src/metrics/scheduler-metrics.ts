import { status as Status } from '@grpc/grpc-js';
import type { AgentCallObserver } from '@xenplane/agent-client';
import { CALL_SECONDS_BUCKETS, createMetricsRegistry, STEP_SECONDS_BUCKETS } from '@xenplane/observability';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { SchedulerRole } from '../config';
import { StepClock } from './step-clock';

/**
 * The scheduler process's metrics, served on METRICS_PORT (docs/METRICS.md). Labels are kinds,
 * steps, outcomes, queues, methods, pools and states: sets the code or the operator bounds, never
 * VM or operation ids.
 */
export const registry = createMetricsRegistry('xenplane_scheduler_');

const roles = new Gauge({
  name: 'xenplane_scheduler_role',
  help: 'The roles this scheduler process runs (SCHEDULER_ROLES): 1 for each',
  labelNames: ['role'],
  registers: [registry],
});

/** Marks the roles this process runs, for dashboards that join on them. */
export function markRoles(running: readonly SchedulerRole[]): void {
  for (const role of running) roles.set({ role }, 1);
}

export const operationsEnded = new Counter({
  name: 'xenplane_operations_total',
  help: 'Operations ended by this process, by kind and outcome (succeeded, failed, cancelled)',
  labelNames: ['kind', 'outcome'],
  registers: [registry],
});

export const operationSeconds = new Histogram({
  name: 'xenplane_operation_duration_seconds',
  help: 'Operations from their request to their end (queue waits and retries included), by kind and outcome',
  labelNames: ['kind', 'outcome'],
  buckets: STEP_SECONDS_BUCKETS,
  registers: [registry],
});

export const stepSeconds = new Histogram({
  name: 'xenplane_operation_step_seconds',
  help: 'Time an operation spent in each step (placing, building, booting...) of its handler, by kind and step',
  labelNames: ['kind', 'step'],
  buckets: STEP_SECONDS_BUCKETS,
  registers: [registry],
});

export const operationRetries = new Counter({
  name: 'xenplane_operation_retries_total',
  help: 'Transient failures of operations that will be tried again (BullMQ backoff), by kind',
  labelNames: ['kind'],
  registers: [registry],
});

export const placementDecisionSeconds = new Histogram({
  name: 'xenplane_placement_decision_seconds',
  help: "The placement engine's decisions (filters and weighers over the capacity cache), by kind of placement",
  labelNames: ['placement'],
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
  registers: [registry],
});

export const claimConflicts = new Counter({
  name: 'xenplane_placement_claim_conflicts_total',
  help: "Claims lost to concurrent placements (the host filled up, a server group's members moved), by placement and result",
  labelNames: ['placement', 'result'],
  registers: [registry],
});

export const placementRetries = new Counter({
  name: 'xenplane_placement_retries_total',
  help: 'Placement rounds decided again after every candidate of the previous round was lost to concurrent claims',
  labelNames: ['placement'],
  registers: [registry],
});

export const heartbeatSeconds = new Histogram({
  name: 'xenplane_heartbeat_seconds',
  help: 'Heartbeat calls answered by hosts, as the monitor timed them (failures: xenplane_agent_client_rpc_failures_total{method="heartbeat"})',
  buckets: CALL_SECONDS_BUCKETS,
  registers: [registry],
});

export const certificateRenewals = new Counter({
  name: 'xenplane_host_certificate_renewals_total',
  help: 'Host certificate renewals this process attempted, by outcome (renewed, failed)',
  labelNames: ['outcome'],
  registers: [registry],
});

const agentRpcSeconds = new Histogram({
  name: 'xenplane_agent_client_rpc_seconds',
  help: 'Calls to host agents as the scheduler sees them, by method (failed ones too)',
  labelNames: ['method'],
  buckets: CALL_SECONDS_BUCKETS,
  registers: [registry],
});

const agentRpcFailures = new Counter({
  name: 'xenplane_agent_client_rpc_failures_total',
  help: 'Calls to host agents that failed, by method and gRPC status code',
  labelNames: ['method', 'code'],
  registers: [registry],
});

/** What the agent channels report of each call's end. */
export const agentCallObserver: AgentCallObserver = (method, seconds, code) => {
  agentRpcSeconds.observe({ method }, seconds);
  if (code !== Status.OK) agentRpcFailures.inc({ method, code: Status[code] ?? String(code) });
};

/** The steps of the operations this process runs, timed into xenplane_operation_step_seconds. */
export const stepClock = new StepClock();

/** Records that `op` entered `step` now (its previous step, if this process saw it, is timed). */
export function stepEntered(op: { id: string; kind: string }, step: string): void {
  const left = stepClock.enter(op.id, op.kind, step, Date.now());
  if (left) stepSeconds.observe({ kind: left.kind, step: left.step }, left.seconds);
}

/** Records that the operation `opId` entered `step` by a write that was not its handler's (a claim records the next step). */
export function stepMovedOn(opId: string, step: string): void {
  const left = stepClock.moveOn(opId, step, Date.now());
  if (left) stepSeconds.observe({ kind: left.kind, step: left.step }, left.seconds);
}

/** Records `op`'s end with its outcome: counted, timed from its request, its last step timed. */
export function operationEnded(op: { id: string; kind: string; createdAt?: Date }, outcome: string): void {
  const now = Date.now();
  const left = stepClock.leave(op.id, now);
  if (left) stepSeconds.observe({ kind: left.kind, step: left.step }, left.seconds);
  operationsEnded.inc({ kind: op.kind, outcome });
  if (op.createdAt)
    operationSeconds.observe({ kind: op.kind, outcome }, Math.max(0, (now - op.createdAt.getTime()) / 1000));
}
