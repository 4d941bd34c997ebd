export * from './evacuation';
export * from './host-maintenance';
export * from './evacuation-run';
