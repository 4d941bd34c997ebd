export * from './tick-lease';
