export * from './agent-client';
export * from './agent-client-pool';
export * from './credentials';
export * from './errors';
export * from './sim-control';
