export * from './ipv4';
export * from './mac';
export * from './network-definition';
export * from './vm-networks';
