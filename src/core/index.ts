export * from './observability';
export * from './account-logging';
export * from './authorization';
export * from './firewall';
export { ThrottleOptions } from './throttle';
export { CustomDomainBaseOptions, CustomDomainOptions, MutualTlsOptions } from './domain';
export * from './deploy-readiness';
