export * from './correlation';
export * from './logger';
export * from './step';
export * from './step-record';
export * from './tracing';
export * from './step-wire';
