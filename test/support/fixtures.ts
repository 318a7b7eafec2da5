/** Shared test fixtures: stacks and handler functions. */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** A new stack in a new app (environment-agnostic unless `env` is given). */
export function newStack(id: string = 'Test', props: StackProps = {}): Stack {
  return new Stack(new App(), id, props);
}

/** A small backend function with the settings the compliance packs expect of a user's function. */
export function backendFunction(scope: Construct, id: string): lambda.Function {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "{}" });'),
  });
}
