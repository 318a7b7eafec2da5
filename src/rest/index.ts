export { RestApiPattern, RestApiPatternProps, RestApiPatternBaseProps } from './rest-api-pattern';
export { CorsSettings, ResourcePolicyOptions } from './gateway';
export { RouteShardingOptions } from './sharding';
