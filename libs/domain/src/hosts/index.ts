export * from './capacity';
export * from './liveness';
export * from './monitor-shard';
export * from './certificate-renewal';
