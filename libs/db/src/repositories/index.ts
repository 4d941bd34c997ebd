export * from './operation.repository';
export * from './page';
export * from './vm.repository';
