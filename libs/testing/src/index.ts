export * from './cloud/api-client';
export * from './cloud/cloud';
export * from './cloud/managed-process';
export * from './cloud/ports';
export * from './cloud/wait';
export * from './database';
export * from './cloud/devcloud';
export * from './cloud/sse';
