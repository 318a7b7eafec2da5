export * from './observability';
export * from './account-logging';
