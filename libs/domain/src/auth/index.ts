export * from './secrets';
export * from './access';
