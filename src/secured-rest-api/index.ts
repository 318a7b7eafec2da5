export * from './secured-rest-api';
