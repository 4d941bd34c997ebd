export * from './image-rules';
