export * from './vm-disks';
export * from './storage-capacity';
export * from './shared-extents';
