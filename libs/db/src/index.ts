export * from './client';
export * from './migrate';
export * from './generated/prisma/client';
export * from './events';
export * from './quota';
export * from './db.module';
export * from './claims';
export * from './vm-operations';
