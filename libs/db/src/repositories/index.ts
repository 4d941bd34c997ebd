export * from './catalog.repository';
export * from './claim.repository';
export * from './host.repository';
export * from './operation.repository';
export * from './page';
export * from './pool.repository';
export * from './server-group.repository';
export * from './vm.repository';
