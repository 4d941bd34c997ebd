export * from './migration-request';
export * from './migration-step';
