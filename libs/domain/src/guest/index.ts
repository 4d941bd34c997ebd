export * from './ssh-keys';
export * from './vm-ssh-keys';
export * from './nocloud';
export * from './yaml';
