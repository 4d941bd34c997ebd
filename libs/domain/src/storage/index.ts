export * from './vm-disks';
export * from './storage-capacity';
