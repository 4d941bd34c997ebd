export * from './capacity';
export * from './liveness';
