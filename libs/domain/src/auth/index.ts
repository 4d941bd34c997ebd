export * from './secrets';
export * from './access';
export * from './route-access';
export * from './token-lifecycle';
export * from './rate-limits';
