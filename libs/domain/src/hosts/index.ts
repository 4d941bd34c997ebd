export * from './capacity';
export * from './liveness';
export * from './monitor-shard';
