export * from './monetized-api';
export * from './monetized-api-props';
export { TierPlan } from './tiers';
