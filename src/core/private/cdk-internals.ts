/**
 * The one place where the library relies on aws-cdk-lib members that are not public API. Each accessor checks the
 * shape it reads and fails by name when an aws-cdk-lib upgrade changes it (test/core/cdk-internals.test.ts pins
 * each one against the installed aws-cdk-lib), so an upgrade breaks a test, never a user's deployment.
 *
 * Internal: never exported from the package.
 */
import { CfnResource } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** aws-cdk-lib changed a member this library reads: the message names it. */
export class CdkInternalsChanged extends Error {
  constructor(member: string) {
    super(`aws-cdk-lib no longer has the member ${member} that cdk-apigateway-patterns reads; see src/core/private/cdk-internals.ts`);
    this.name = 'CdkInternalsChanged';
  }
}

/** What a LambdaIntegration was built from (it keeps both private). */
export interface LambdaIntegrationParts {
  readonly handler: lambda.IFunction;
  readonly options: apigateway.LambdaIntegrationOptions;
}

/**
 * The function and options of a `LambdaIntegration` (private `handler` and `props.options`), or undefined for
 * any other integration. Used to rebuild the same integration with one API-scoped permission per function
 * without mutating the user's integration object.
 */
export function lambdaIntegrationParts(integration: apigateway.Integration): LambdaIntegrationParts | undefined {
  if (!(integration instanceof apigateway.LambdaIntegration)) return undefined;
  const raw = integration as unknown as { handler?: lambda.IFunction; props?: { options?: apigateway.LambdaIntegrationOptions } };
  if (!raw.handler || typeof raw.handler.addPermission !== 'function') throw new CdkInternalsChanged('LambdaIntegration.handler');
  if (!raw.props || typeof raw.props !== 'object') throw new CdkInternalsChanged('Integration.props');
  return { handler: raw.handler, options: raw.props.options ?? {} };
}

/** A CfnResource as it will be rendered into the template (private `_toCloudFormation`), before resolution. */
export function renderedResource(resource: CfnResource): unknown {
  const raw = resource as unknown as { _toCloudFormation?: () => unknown };
  if (typeof raw._toCloudFormation !== 'function') throw new CdkInternalsChanged('CfnResource._toCloudFormation');
  return raw._toCloudFormation();
}
