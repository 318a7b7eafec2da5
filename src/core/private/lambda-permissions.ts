/**
 * Lambda permissions granted to API Gateway. Internal.
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledgements';

const SECURED = new WeakSet<lambda.CfnPermission>();

/**
 * Control Tower CT.LAMBDA.PR.2 wants a literal `SourceAccount` on every permission API Gateway gets. Set it
 * when the stack's account is known; in environment-agnostic stacks it cannot be known at synth time, so the
 * finding is acknowledged on that permission (the source ARN still names this account's API).
 */
export function secureLambdaPermissions(scope: Construct): void {
  for (const child of scope.node.findAll()) {
    if (!(child instanceof lambda.CfnPermission) || SECURED.has(child)) continue;
    SECURED.add(child);
    const account = Stack.of(child).account;
    if (!Token.isUnresolved(account)) {
      child.sourceAccount = account;
    } else {
      acknowledge(child, {
        id: 'CT.LAMBDA.PR.2',
        reason:
          'Environment-agnostic stack: the account id is not known at synth time. The permission\'s SourceArn is ' +
          'this account\'s API (execute-api ARN built from AWS::AccountId), which confines invocation to it',
      });
    }
  }
}

