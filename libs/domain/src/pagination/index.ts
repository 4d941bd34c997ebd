export * from './cursor';
export * from './list-filters';
