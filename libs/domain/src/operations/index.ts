export * from './operation';
export * from './build-failure';
export * from './run-failure';
export * from './create-step';
