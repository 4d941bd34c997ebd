export * from './batch-names';
export * from './vm-state';
export * from './vm-actions';
export * from './power-state';
export * from './expiry';
export * from './snapshots';
export * from './clone';
