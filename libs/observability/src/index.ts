export * from './correlation';
export * from './logger';
export * from './liveness-file';
export * from './step';
export * from './step-record';
export * from './tracing';
export * from './step-wire';
export * from './metrics';
