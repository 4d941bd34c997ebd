import type { DomainEvent } from '@xenplane/proto';
import type { DomainEventInput } from '../drivers/driver';

const KEEP = 10_000;

/**
 * The host's domain events with a sequence number of their own, kept for a while so a
 * watcher that reconnects resumes where it stopped (WatchEvents since_seq).
 */
export class EventLog {
  private readonly events: DomainEvent[] = [];
  private readonly watchers = new Set<(e: DomainEvent) => void>();
  private seq = 0;

  get lastSeq(): number {
    return this.seq;
  }

  append(e: DomainEventInput): DomainEvent {
    const event: DomainEvent = {
      seq: ++this.seq,
      vmId: e.vmId,
      domId: e.domId,
      type: e.type,
      state: e.domain?.state ?? ('DOMAIN_STATE_UNSPECIFIED' as DomainEvent['state']),
      at: new Date(),
      reason: e.reason ?? '',
    };
    this.events.push(event);
    if (this.events.length > KEEP) this.events.splice(0, this.events.length - KEEP);
    for (const w of this.watchers) w(event);
    return event;
  }

  since(seq: number): DomainEvent[] {
    return this.events.filter((e) => e.seq > seq);
  }

  watch(listener: (e: DomainEvent) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }
}
