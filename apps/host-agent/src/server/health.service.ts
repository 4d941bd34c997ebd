import type { sendUnaryData, ServerUnaryCall, ServerWritableStream, ServiceDefinition } from '@grpc/grpc-js';

// grpc.health.v1, hand-encoded: one enum field each way is not worth a generated package.
// HealthCheckRequest { string service = 1; }  HealthCheckResponse { ServingStatus status = 1; }
export enum ServingStatus {
  UNKNOWN = 0,
  SERVING = 1,
  NOT_SERVING = 2,
}

const encodeStatus = (s: ServingStatus): Buffer => Buffer.from([0x08, s]);
const decodeRequest = (b: Buffer): { service: string } => {
  // field 1, wire type 2: 0x0a, varint length (services names are short), bytes
  if (b.length >= 2 && b[0] === 0x0a) return { service: b.subarray(2, 2 + b[1]!).toString('utf8') };
  return { service: '' };
};

export const HealthService: ServiceDefinition = {
  check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: { service: string }) =>
      Buffer.concat([Buffer.from([0x0a, Buffer.byteLength(v.service)]), Buffer.from(v.service)]),
    requestDeserialize: decodeRequest,
    responseSerialize: (v: { status: ServingStatus }) => encodeStatus(v.status),
    responseDeserialize: (b: Buffer) => ({ status: (b[1] ?? 0) as ServingStatus }),
  },
  watch: {
    path: '/grpc.health.v1.Health/Watch',
    requestStream: false,
    responseStream: true,
    requestSerialize: (v: { service: string }) =>
      Buffer.concat([Buffer.from([0x0a, Buffer.byteLength(v.service)]), Buffer.from(v.service)]),
    requestDeserialize: decodeRequest,
    responseSerialize: (v: { status: ServingStatus }) => encodeStatus(v.status),
    responseDeserialize: (b: Buffer) => ({ status: (b[1] ?? 0) as ServingStatus }),
  },
};

/** Health: SERVING while the agent runs, NOT_SERVING once it drains for shutdown. */
export function healthService(status: () => ServingStatus) {
  return {
    check: (
      _call: ServerUnaryCall<{ service: string }, { status: ServingStatus }>,
      cb: sendUnaryData<{ status: ServingStatus }>,
    ) => cb(null, { status: status() }),
    watch: (call: ServerWritableStream<{ service: string }, { status: ServingStatus }>) => {
      call.write({ status: status() });
      const timer = setInterval(() => call.write({ status: status() }), 5_000);
      call.on('cancelled', () => clearInterval(timer));
    },
  };
}
