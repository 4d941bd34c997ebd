export * from './host-death';
export * from './failures-tolerated';
export * from './host-return';
export * from './quorum';
export * from './restart-step';
export * from './declare-dead';
