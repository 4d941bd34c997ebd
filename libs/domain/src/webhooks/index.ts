export * from './event-types';
export * from './webhook-url';
export * from './signature';
export * from './delivery';
