export * from './secrets';
export * from './access';
export * from './route-access';
