import { Metadata } from '@grpc/grpc-js';
import {
  type ClearFaultsResponse,
  type GetHistoryRequest,
  type GetHistoryResponse,
  type InjectFaultRequest,
  type InjectFaultResponse,
  SimControlClient,
} from '@xenplane/proto';
import { channelCredentialsFor, channelOptionsFor, type TlsIdentity } from './credentials';

export interface SimControl {
  injectFault(req: Partial<InjectFaultRequest> & Pick<InjectFaultRequest, 'kind'>): Promise<InjectFaultResponse>;
  clearFaults(): Promise<ClearFaultsResponse>;
  getHistory(req: GetHistoryRequest): Promise<GetHistoryResponse>;
  close(): void;
}

/** The test-only SimControl service of a simulated host, as promises (tests and benchmarks). */
export function simControl(address: string, hostId: string, identity: TlsIdentity): SimControl {
  const raw = new SimControlClient(address, channelCredentialsFor(identity), channelOptionsFor(hostId));
  const call = <Res>(name: 'injectFault' | 'clearFaults' | 'getHistory', req: unknown) =>
    new Promise<Res>((resolve, reject) => {
      const method = raw[name] as unknown as (
        r: unknown,
        md: Metadata,
        o: object,
        cb: (e: Error | null, res: Res) => void,
      ) => void;
      method.call(raw, req, new Metadata(), { deadline: new Date(Date.now() + 10_000) }, (err, res) =>
        err ? reject(err) : resolve(res),
      );
    });
  return {
    injectFault: (req) => call('injectFault', { vmId: '', count: 0, delayMs: 0, durationMs: 0, ...req }),
    clearFaults: () => call('clearFaults', {}),
    getHistory: (req) => call('getHistory', req),
    close: () => raw.close(),
  };
}
