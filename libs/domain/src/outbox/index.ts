export * from './orphans';
