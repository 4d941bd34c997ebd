export * from './event-feed';
export * from './event-types';
