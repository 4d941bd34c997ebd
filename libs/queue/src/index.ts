export * from './connection';
export * from './enqueue';
export * from './host-slots';
export * from './names';
export * from './queue-stats';
