export * from './private-vpc-api';
export * from './private-vpc-api-props';
export { PrivateDomain, PrivateDomainProps } from './private-domain';
export { QuickStartVpcOptions } from './quick-start-vpc';
