export * from './page';
export * from './vm.repository';
