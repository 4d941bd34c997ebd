export * from './migration-request';
export * from './migration-step';
export * from './migration-end';
