export * from './observability';
export * from './account-logging';
export * from './authorization';
export * from './firewall';
export { ThrottleOptions } from './throttle';
export * from './deploy-readiness';
