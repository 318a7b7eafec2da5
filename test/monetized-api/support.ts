/** Shared fixtures of the MonetizedApi tests: a pattern with three tiers and a backend, and template readers. */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { ApiAuthorization, MonetizedApi, MonetizedApiProps, UsageTier } from '../../src';
import { backendFunction, newStack } from '../support/fixtures';

export const TIERS: UsageTier[] = [
  { name: 'free', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: apigateway.Period.MONTH } },
  { name: 'basic', throttle: { rateLimit: 20, burstLimit: 40 }, quota: { limit: 100_000, period: apigateway.Period.MONTH } },
  { name: 'pro', throttle: { rateLimit: 100, burstLimit: 200 }, quota: { limit: 5_000_000, period: apigateway.Period.MONTH } },
];

/** A MonetizedApi at `Test/Api` (JWT by default) with the three tiers, `props` on top. */
export function monetized(props: Partial<MonetizedApiProps> = {}, stack: Stack = newStack()): { stack: Stack; api: MonetizedApi } {
  const api = new MonetizedApi(stack, 'Api', {
    authorization: ApiAuthorization.jwt({ issuer: 'https://login.example.com/', audience: ['pets'] }),
    tiers: TIERS,
    ...props,
  });
  return { stack, api };
}

/** Adds `GET /pets`, `POST /pets` and `GET /pets/{id}` on one backend. */
export function addPetRoutes(api: MonetizedApi, stack: Stack = Stack.of(api)): void {
  const backend = new apigateway.LambdaIntegration(backendFunction(stack, 'Backend'));
  api.addRoute('GET', '/pets', backend);
  api.addRoute('POST', '/pets', backend);
  api.addRoute('GET', '/pets/{id}', backend);
}

/** Resources of `type` as `[logicalId, resource]`. */
export function resourcesOf(t: Template, type: string): Array<[string, any]> {
  return Object.entries(t.findResources(type));
}

/** The usage plan of a tier, by its description. */
export function planOf(t: Template, tier: string): [string, any] {
  const found = resourcesOf(t, 'AWS::ApiGateway::UsagePlan').find(([, r]) => r.Properties.Description === `Tier ${tier} of Test/Api`);
  if (!found) throw new Error(`no usage plan for tier ${tier}`);
  return found;
}

/** Every resource a resource depends on, directly or transitively (Ref, Fn::GetAtt, Fn::Sub, DependsOn). */
export function dependenciesOf(template: any, logicalId: string): Set<string> {
  const resources = template.Resources as Record<string, any>;
  const direct = (id: string): string[] => {
    const out = new Set<string>();
    const walk = (v: any): void => {
      if (Array.isArray(v)) {v.forEach(walk);} else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'Ref' && typeof x === 'string' && resources[x]) out.add(x);
          else if (k === 'Fn::GetAtt') out.add(Array.isArray(x) ? String(x[0]) : String(x).split('.')[0]);
          else walk(x);
        }
      }
    };
    walk(resources[id].Properties);
    for (const d of [].concat(resources[id].DependsOn ?? [])) out.add(d);
    return [...out];
  };
  const seen = new Set<string>();
  const visit = (id: string) => {
    for (const d of direct(id)) if (!seen.has(d)) { seen.add(d); visit(d); }
  };
  visit(logicalId);
  return seen;
}

/** A dependency cycle of the template, if any (CloudFormation refuses a template with one). */
export function findCycle(template: any): string[] | undefined {
  const resources = Object.keys(template.Resources);
  for (const id of resources) if (dependenciesOf(template, id).has(id)) return [id];
  return undefined;
}
