import { EventEmitter } from 'node:events';
import { Metadata } from '@grpc/grpc-js';
import { waitFor } from '@xenplane/testing';
import { callContext } from './call-guard';

type Call = Parameters<typeof callContext>[0];

function fakeCall(deadline: Date | number = Infinity): Call & EventEmitter {
  const metadata = new Metadata();
  metadata.set('x-correlation-id', 'req-1');
  return Object.assign(new EventEmitter(), { getDeadline: () => deadline, metadata }) as unknown as Call & EventEmitter;
}

describe('callContext', () => {
  it('aborts the signal when the call is cancelled', () => {
    const call = fakeCall();
    const ctx = callContext(call);
    const signal = ctx.signal;
    expect(signal.aborted).toBe(false);
    call.emit('cancelled');
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('AbortError');
    expect(ctx.correlationId).toBe('req-1');
    ctx.done();
  });

  it('gives an aborted signal to a handler that asks only after the call was cancelled', () => {
    const call = fakeCall();
    const ctx = callContext(call);
    call.emit('cancelled');
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal).toBe(ctx.signal);
    ctx.done();
  });

  it('aborts at the deadline, with the first reason kept', async () => {
    const call = fakeCall(new Date(Date.now() + 20));
    const ctx = callContext(call);
    await waitFor('the deadline to abort the signal', async () => (ctx.signal.aborted ? true : undefined), {
      timeoutMs: 5_000,
      intervalMs: 5,
    });
    call.emit('cancelled');
    expect((ctx.signal.reason as DOMException).name).toBe('TimeoutError');
    ctx.done();
  });
});
