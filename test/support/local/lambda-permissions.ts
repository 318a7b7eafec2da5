/**
 * Lambda's resource-based policy as API Gateway meets it: API Gateway may invoke a function only when an
 * `AWS::Lambda::Permission` of the assembly grants `lambda:InvokeFunction` to `apigateway.amazonaws.com` for a
 * `SourceArn` that matches the calling method's ARN (IAM wildcards), optionally for `SourceAccount`. Without one,
 * API Gateway answers 500 ("Execution failed due to configuration error: Invalid permissions on Lambda function")
 * and the function is never run.
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway.html#apigateway-permissions,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-troubleshoot.html.
 */
import { CloudAssembly, allResources } from './assembly';
import { FunctionDefinition } from './functions';
import { Resolver } from './intrinsics';
import { wildcardMatch } from '../iam-policy';

interface Grant {
  readonly functionRef: string;
  readonly principal: string;
  readonly action: string;
  readonly sourceArn?: string;
  readonly sourceAccount?: string;
}

export class LambdaPermissions {
  private readonly grants: Grant[];

  constructor(assembly: CloudAssembly, resolver: Resolver) {
    this.grants = allResources(assembly, 'AWS::Lambda::Permission').map((p) => {
      const where = `${p.stack.path}/${p.logicalId}`;
      const r = resolver.resolve(p.stack, p.properties, where);
      return {
        functionRef: String(r.FunctionName),
        principal: String(r.Principal),
        action: String(r.Action),
        sourceArn: r.SourceArn,
        sourceAccount: r.SourceAccount,
      };
    });
  }

  /** Whether `principal` may invoke `fn` from `sourceArn` in `account`. */
  public allows(fn: FunctionDefinition, principal: string, sourceArn: string, account: string): boolean {
    return this.grants.some(
      (g) =>
        (g.functionRef === fn.name || g.functionRef === fn.arn) &&
        (g.action === 'lambda:InvokeFunction' || g.action === 'lambda:*') &&
        g.principal === principal &&
        (g.sourceArn === undefined || wildcardMatch(g.sourceArn, sourceArn)) &&
        (g.sourceAccount === undefined || g.sourceAccount === account),
    );
  }
}
