export * from './evacuation';
export * from './host-maintenance';
