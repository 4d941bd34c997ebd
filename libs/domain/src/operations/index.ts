export * from './operation';
export * from './build-failure';
export * from './run-failure';
export * from './create-step';
export * from './power-step';
export * from './delete-step';
export * from './cancel';
export * from './host-slot';
