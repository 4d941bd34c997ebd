export * from './batch-names';
export * from './vm-state';
