export * from './env';
export * from './shared';
export * from './listen-port';
export * from './tracing';
export * from './metrics-env';
