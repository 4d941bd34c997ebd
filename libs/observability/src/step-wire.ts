import type { StepAttributes, StepRecord } from './step-record';
import { TIMELINE_SIDES, type TimelineSide } from '@xenplane/domain';

/**
 * gRPC metadata keys that carry an operation's work from the scheduler to an agent (which
 * operation, which VM: the agent's log lines name them) and the agent's steps back (trailing
 * metadata of its answer, so the protocol's messages stay as they are).
 */
export const OPERATION_ID_HEADER = 'x-operation-id';
export const VM_ID_HEADER = 'x-vm-id';
export const STEPS_TRAILER = 'x-xenplane-steps-bin';

/** An agent reports at most this many steps per call: trailing metadata must stay small (gRPC's limit is 8 KB by default). */
export const MAX_REPORTED_STEPS = 40;

const HEX = /^[0-9a-f]+$/;

/** The steps of a call, as the agent sends them back. */
export function encodeSteps(steps: readonly StepRecord[]): Buffer {
  return Buffer.from(
    JSON.stringify(
      steps
        .slice(-MAX_REPORTED_STEPS)
        .map((s) => [
          s.name,
          s.side,
          s.startedAt.getTime(),
          Math.round(s.durationMs * 1000) / 1000,
          s.traceId,
          s.spanId,
          s.parentSpanId ?? '',
          s.failed ? 1 : 0,
          s.attributes,
        ]),
    ),
  );
}

/**
 * The steps an agent sent back; anything malformed is dropped (an agent of another version, a
 * corrupted trailer): a timeline is an aid, never a reason for an operation to fail.
 */
export function decodeSteps(raw: Buffer | string | undefined): StepRecord[] {
  if (raw === undefined) return [];
  let rows: unknown;
  try {
    rows = JSON.parse(raw.toString());
  } catch {
    return [];
  }
  if (!Array.isArray(rows)) return [];
  return rows.slice(0, MAX_REPORTED_STEPS).flatMap((row): StepRecord[] => {
    if (!Array.isArray(row) || row.length !== 9) return [];
    const [name, side, startedAt, durationMs, traceId, spanId, parentSpanId, failed, attributes] = row as unknown[];
    if (
      typeof name !== 'string' ||
      name.length === 0 ||
      name.length > 100 ||
      !(TIMELINE_SIDES as readonly unknown[]).includes(side) ||
      !Number.isFinite(startedAt) ||
      !Number.isFinite(durationMs) ||
      (durationMs as number) < 0 ||
      !isId(traceId, 32) ||
      !isId(spanId, 16) ||
      !(parentSpanId === '' || isId(parentSpanId, 16))
    )
      return [];
    return [
      {
        name,
        side: side as TimelineSide,
        startedAt: new Date(startedAt as number),
        durationMs: durationMs as number,
        traceId: traceId as string,
        spanId: spanId as string,
        ...(parentSpanId ? { parentSpanId: parentSpanId as string } : {}),
        failed: failed === 1,
        attributes: plainAttributes(attributes),
      },
    ];
  });
}

function isId(v: unknown, length: number): boolean {
  return typeof v === 'string' && v.length === length && HEX.test(v);
}

function plainAttributes(v: unknown): StepAttributes {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
  const out: StepAttributes = {};
  for (const [k, x] of Object.entries(v).slice(0, 20))
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')
      out[k.slice(0, 64)] = typeof x === 'string' ? x.slice(0, 200) : x;
  return out;
}
