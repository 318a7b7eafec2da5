import * as path from 'node:path';
import { CfnResource, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import {
  alarmTopicDelivery,
  apiGatewayNestedStackOrder,
  byNameOrder,
  CreationOrder,
  deadLetterQueueAccess,
  DeployRule,
  executionLogGroup,
  iamManagedPolicySize,
  iamRolePolicySize,
  lambdaEnvironmentSize,
  lambdaResourcePolicySize,
  logGroupKeyAccess,
  methodResponse,
  queueDelivery,
  reservedConcurrency,
  restApiPolicySize,
  restCacheKey,
  retainedFixedName,
  TemplateSet,
} from './deploy-readiness/index';

/** Every rule, in report order. */
const RULES: readonly DeployRule[] = [
  lambdaEnvironmentSize,
  restApiPolicySize,
  iamRolePolicySize,
  iamManagedPolicySize,
  lambdaResourcePolicySize,
  byNameOrder,
  alarmTopicDelivery,
  queueDelivery,
  logGroupKeyAccess,
  deadLetterQueueAccess,
  retainedFixedName,
  reservedConcurrency,
  restCacheKey,
  methodResponse,
  executionLogGroup,
  apiGatewayNestedStackOrder,
];

/** Options of `DeployReadinessCheck`. */
export interface DeployReadinessCheckProps {
  /**
   * Rule ids not to run anywhere in the app (for example `ReservedConcurrency` when every account you deploy
   * to is known to allow your reservations). Prefer acknowledging one finding on one resource:
   * `Validations.of(resource).acknowledge({ id: 'DeployReadiness::<rule id>', reason })`.
   * @default - every rule runs
   */
  readonly disabledRules?: string[];
}

/**
 * A validation plugin for what passes every static checker yet fails on a real AWS account: size quotas
 * (Lambda environment 4 KB, REST API resource policy 8,192 characters, IAM inline 10,240 and managed 6,144
 * characters, Lambda resource policy 20 KB), resources named by string that must be created first (stage route
 * settings), service principals that must be allowed where a service delivers (alarms to SNS, SNS and
 * EventBridge to SQS, CloudWatch Logs and dead-letter queues to KMS keys), retained resources with fixed names,
 * reserved concurrency, REST cache keys, integration responses without their method response, execution-log groups,
 * and API Gateway's control-plane rates across nested stacks. It reads the synthesized templates, nested ones
 * included. docs/deploy-readiness.md lists each rule with its AWS source.
 *
 * Findings fail the synth; acknowledge one on the resource (or a parent construct) with
 * `Validations.of(resource).acknowledge({ id: 'DeployReadiness::<rule id>', reason })`.
 *
 * @example
 * Validations.of(app).addPlugins(new DeployReadinessCheck());
 */
export class DeployReadinessCheck implements IPolicyValidationPlugin {
  /** The plugin's name; its findings are acknowledged as `DeployReadiness::<rule id>`. */
  public readonly name = 'DeployReadiness';
  /** The ids of the rules this instance runs (always set; optional in IPolicyValidationPlugin). */
  public readonly ruleIds?: string[];
  private readonly rules: readonly DeployRule[];

  constructor(props: DeployReadinessCheckProps = {}) {
    const disabled = props.disabledRules ?? [];
    const unknown = disabled.filter((id) => !RULES.some((r) => r.id === id));
    if (unknown.length > 0) {
      throw new Error(`DeployReadinessCheck: invalid disabledRules ${JSON.stringify(unknown)}: must be rule ids among ${RULES.map((r) => r.id).join(', ')}`);
    }
    this.rules = RULES.filter((r) => !disabled.includes(r.id));
    this.ruleIds = this.rules.map((r) => r.id);
  }

  /** Runs every rule over the templates of `context` (nested templates included). */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const paths = constructPaths(context.appConstruct);
    const templates = TemplateSet.load(
      context.stackTemplates.map((s) => s.templatePath),
      (file, logicalId) => paths.get(`${file}|${logicalId}`),
    );
    const ruleContext = { templates, order: new CreationOrder(templates) };
    const violations: PolicyViolation[] = [];
    for (const rule of this.rules) {
      for (const finding of rule.check(ruleContext)) {
        violations.push({
          ruleName: rule.id,
          description: finding.message,
          fix: `${rule.fix} (${rule.source})`,
          severity: 'error',
          ruleMetadata: { fact: rule.fact, source: rule.source },
          violatingResources: [{
            resourceLogicalId: finding.resource.logicalId,
            templatePath: finding.resource.file.path,
            constructPath: templates.constructPath(finding.resource),
            locations: [...(finding.locations ?? [])],
          }],
        });
      }
    }
    return { success: violations.length === 0, violations };
  }
}

/** `<template file name>|<logical id>` -> construct path, for every CfnResource of the app. */
function constructPaths(root: IConstruct | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!root) return out;
  const visit = (c: IConstruct) => {
    if (CfnResource.isCfnResource(c)) {
      const stack = Stack.of(c);
      out.set(`${path.basename(stack.templateFile)}|${stack.resolve(c.logicalId)}`, c.node.path);
    }
    for (const child of c.node.children) visit(child);
  };
  visit(root);
  return out;
}
