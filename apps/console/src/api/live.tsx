import { useQueryClient } from '@tanstack/react-query';
import { type Vm, type XenplaneEvent } from '@xenplane/sdk';
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import { isTokenRefused, TOKEN_REFUSED, useSession } from '../auth/session';
import { applyVmEvent, holdsVm, type InfiniteVms, replaceVm } from '../lib/live';
import { keys } from './keys';

export type LiveStatus = 'connecting' | 'live' | 'down';
const LiveContext = createContext<LiveStatus>('connecting');

/** Whether the event stream is up (the shell shows it). */
export const useLiveStatus = () => useContext(LiveContext);

/**
 * One event stream for the signed-in session: every vm.state event updates the cached VM lists
 * in place (state, host) and reads the VM again (addresses, power state); operation events
 * refresh the VM's operations. Reconnects (the SDK resumes with Last-Event-ID).
 */
export function LiveEvents({ children }: { children: ReactNode }) {
  const { client, signOut } = useSession();
  const qc = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const pending = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  useEffect(() => {
    if (!client) return;
    const ctl = new AbortController();
    const timers = pending.current;
    // a burst of events about one VM is one read of it
    const reread = (id: string) => {
      if (timers.has(id)) return;
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          client
            .GET('/v1/vms/{id}', { params: { path: { id } } })
            .then((vm: Vm) => {
              qc.setQueryData(keys.vm(id), vm);
              for (const [key, d] of qc.getQueriesData<InfiniteVms>({ queryKey: keys.vmsAll }))
                if (d && holdsVm(d, id)) qc.setQueryData(key, replaceVm(d, vm));
            })
            .catch(() => undefined); // gone or not ours: the list's next read says so
        }, 250),
      );
    };
    // VMs the lists do not hold (created elsewhere): one new read of the lists for a burst of them
    let relistTimer: ReturnType<typeof setTimeout> | undefined;
    const relist = () => {
      relistTimer ??= setTimeout(() => {
        relistTimer = undefined;
        void qc.invalidateQueries({ queryKey: keys.vmsAll });
      }, 300);
    };
    const onEvent = (e: XenplaneEvent) => {
      if (e.type === 'vm.state') {
        // written only where it is held: writing a query's data marks it fresh, which would cancel
        // the re-read that a list missing the VM is due
        let missing = false;
        for (const [key, d] of qc.getQueriesData<InfiniteVms>({ queryKey: keys.vmsAll })) {
          if (!d) continue;
          const r = applyVmEvent(d, e);
          if (r.found) qc.setQueryData(key, r.data);
          else missing = true;
        }
        if (missing) relist();
        reread(e.resourceId);
        void qc.invalidateQueries({ queryKey: keys.vm(e.resourceId) });
      } else if (e.type === 'operation.status') {
        const vmId = (e.data as { vmId?: string }).vmId;
        if (vmId) void qc.invalidateQueries({ queryKey: keys.operations(vmId) });
        if (vmId) void qc.invalidateQueries({ queryKey: keys.snapshots(vmId) });
        void qc.invalidateQueries({ queryKey: ['project'] });
      }
    };
    (async () => {
      for (;;) {
        try {
          // the SDK reconnects by itself after network failures; it throws on a refusal only
          setStatus('live');
          for await (const e of client.events({ types: ['vm.state', 'operation.status'], signal: ctl.signal }))
            onEvent(e);
          return; // aborted
        } catch (err) {
          if (ctl.signal.aborted) return;
          setStatus('down');
          if (isTokenRefused(err)) return signOut(TOKEN_REFUSED);
          await new Promise((r) => setTimeout(r, 3000));
        }
      }
    })().catch(() => setStatus('down'));
    return () => {
      ctl.abort();
      clearTimeout(relistTimer);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    };
  }, [client, qc, signOut]);

  return <LiveContext.Provider value={status}>{children}</LiveContext.Provider>;
}
