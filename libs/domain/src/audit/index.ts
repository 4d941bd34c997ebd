export * from './audit-rules';
export * from './outcome';
export * from './source-address';
export * from './summary';
