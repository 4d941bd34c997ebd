export * from './operation';
export * from './build-failure';
