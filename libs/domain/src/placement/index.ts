export * from './batch';
export * from './engine';
export * from './filter';
export * from './pool-stats';
export * from './types';
export * from './weights';
export * from './host-table';
export * from './pool-stats-index';
