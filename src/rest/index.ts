export { RestApiPattern, RestApiPatternProps, RestApiPatternBaseProps } from './rest-api-pattern';
export { CorsSettings, ResourcePolicyOptions } from './gateway';
export { RouteShardingOptions } from './sharding';
export { RestApiPatternMembers } from './rest-api-members';
export { RestStage } from './rest-stage';
export { StageMetrics } from './stage-metrics';
