export * from './observability';
export * from './account-logging';
export * from './authorization';
export * from './firewall';
export { ThrottleOptions } from './throttle';
export { CustomDomainOptions } from './domain';
export * from './deploy-readiness';
