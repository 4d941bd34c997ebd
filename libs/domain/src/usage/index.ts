export * from './pool-usage';
