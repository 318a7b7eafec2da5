export * from './monetized-api';
export * from './monetized-api-props';
export { ITierPlan } from './tiers';
