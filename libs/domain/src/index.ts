export * from './operations';
export * from './quota';
export * from './vm';
export * from './hosts';
export * from './auth';
export * from './reconcile';
export * from './placement';
export * from './migration';
