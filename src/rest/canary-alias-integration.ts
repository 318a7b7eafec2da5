/**
 * A backend canary: a Lambda proxy integration whose function alias is chosen by a stage variable, so a stage's
 * canary can send its share of requests to another alias by overriding that variable
 * (`canary.stageVariableOverrides`). A deployment snapshots the API configuration, not the function code
 * (docs/mechanics.md): releasing new code through a canary means a new alias, not a new deployment.
 *
 * API Gateway invokes the qualified ARN `function:alias`, which Lambda authorizes against the alias's own resource
 * policy: a permission on the function alone is not enough, every alias needs its own
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/stage-variables.html#stage-variables-in-integration-lambda-functions;
 * the usual failure, "Invalid permissions on Lambda function": serverless#7185).
 */
import { createHash } from 'node:crypto';
import { Aws, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { CanaryOptions } from './canary-options';
import { secureLambdaPermissions } from '../core/private/lambda-permissions';
import { checkPattern, describeValue, fail } from '../core/private/validation';

/**
 * Properties of a `LambdaAliasIntegration`.
 */
export interface LambdaAliasIntegrationProps {
  /** The function (not an alias or version). */
  readonly handler: lambda.IFunction;
  /** The aliases of `handler` a stage may select; each gets its own permission for API Gateway. */
  readonly aliases: lambda.IAlias[];
  /**
   * The stage variable naming the alias: every stage of the API must define it, with one of `aliases`' names.
   * @default 'lambdaAlias'
   */
  readonly stageVariable?: string;
  /**
   * Integration timeout, 50 ms to 29 s.
   * @default Duration.seconds(29)
   */
  readonly timeout?: apigateway.IntegrationOptions['timeout'];
}

/** What the alias integration checks of a stage. */
export interface AliasStage {
  readonly stageName: string;
  readonly variables: Record<string, string>;
  readonly canary?: CanaryOptions;
}

/**
 * A Lambda proxy integration that invokes `handler:${stageVariables.<stageVariable>}`.
 */
export class LambdaAliasIntegration extends apigateway.Integration {
  /** The stage variable naming the alias. */
  public readonly stageVariable: string;
  /** The function. */
  public readonly handler: lambda.IFunction;
  /** The aliases a stage may select. */
  public readonly aliases: lambda.IAlias[];
  private readonly checkedApis = new Set<apigateway.RestApi>();

  constructor(props: LambdaAliasIntegrationProps) {
    const stageVariable = props.stageVariable ?? 'lambdaAlias';
    super({
      type: apigateway.IntegrationType.AWS_PROXY,
      integrationHttpMethod: 'POST',
      uri: `arn:${Aws.PARTITION}:apigateway:${Aws.REGION}:lambda:path/2015-03-31/functions/${props.handler.functionArn}:\${stageVariables.${stageVariable}}/invocations`,
      options: { timeout: props.timeout },
    });
    this.stageVariable = stageVariable;
    this.handler = props.handler;
    this.aliases = [...props.aliases];
  }

  /**
   * @internal
   * Grants API Gateway `lambda:InvokeFunction` on each alias, once per API (source ARN: any method and stage of the
   * API), and checks the stages when the app is synthesized. Called by the REST base's `addRoute`.
   */
  public _bindToApi(scope: IConstruct, api: apigateway.RestApi, stages: () => AliasStage[]): void {
    checkPattern(scope, 'LambdaAliasIntegration.stageVariable', this.stageVariable, /^[A-Za-z0-9_]{1,64}$/, 'must be 1-64 letters, digits or "_"');
    if (this.aliases.length === 0) fail(scope, 'LambdaAliasIntegration.aliases', '0 aliases', 'must name at least one alias of the function');
    const key = createHash('sha256').update(JSON.stringify(Stack.of(api).resolve(api.restApiId))).digest('hex').slice(0, 8);
    for (const alias of this.aliases) {
      const owner = alias.version?.lambda;
      if (owner && owner !== this.handler) fail(scope, 'LambdaAliasIntegration.aliases', alias.node.path, `must be aliases of ${this.handler.node.path}`);
      const id = `InvokeByApi${key}`;
      if (alias.node.tryFindChild(id)) continue;
      alias.addPermission(id, {
        principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        sourceArn: api.arnForExecuteApi(),
        scope: alias,
      });
      secureLambdaPermissions(alias);
    }
    if (!this.checkedApis.has(api)) {
      this.checkedApis.add(api);
      api.node.addValidation({ validate: () => this.checkStages(scope, stages()) });
    }
  }

  /** Every stage must name one of the aliases, and so must every canary override of the variable. */
  private checkStages(scope: IConstruct, stages: AliasStage[]): string[] {
    const names = this.aliases.map((a) => a.aliasName);
    if (names.some((n) => Token.isUnresolved(n))) return [];
    const errors: string[] = [];
    const allowed = `must be one of the aliases ${names.map((n) => describeValue(n)).join(', ')}`;
    for (const stage of stages) {
      const value = stage.variables[this.stageVariable];
      if (value === undefined) {
        errors.push(`${scope.node.path}: invalid stage ${stage.stageName} variables: must define ${this.stageVariable} (the alias its LambdaAliasIntegration invokes), ${allowed}`);
      } else if (!Token.isUnresolved(value) && !names.includes(value)) {
        errors.push(`${scope.node.path}: invalid stage ${stage.stageName} variables.${this.stageVariable} ${describeValue(value)}: ${allowed}`);
      }
      const override = stage.canary?.stageVariableOverrides?.[this.stageVariable];
      if (override !== undefined && !Token.isUnresolved(override) && !names.includes(override)) {
        errors.push(`${scope.node.path}: invalid stage ${stage.stageName} canary.stageVariableOverrides.${this.stageVariable} ${describeValue(override)}: ${allowed}`);
      }
    }
    return errors;
  }
}
