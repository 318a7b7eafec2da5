export * from './observability';
export * from './account-logging';
export * from './authorization';
export * from './firewall';
export { CacheSize, CacheOptions, StageSettings, ThrottleOptions } from './stage';
export { RouteOptions, RouteCacheOptions } from './routes';
export { OpenApiExportOptions } from './openapi';
export { OpenApiImportOptions } from './openapi-import';
export * from './nested-template-checker';
