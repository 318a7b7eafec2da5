/**
 * The example app: every pattern of the library with its defaults, in one stack per pattern.
 *
 * `npm run example` synthesizes it into examples/cdk.out with the pinned CDK CLI (every cdk-nag pack, the
 * Control Tower guard rules and the strict template checker run as validation plugins, so any finding fails
 * the synth), then prints a report per stack.
 */
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack, StackProps, Validations } from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
} from 'cdk-nag';
import { Construct } from 'constructs';
import { ApiGatewayAccountLogging, ApiObservability } from '../src';

/** Shared observability for APIs you wire yourself (the patterns create their own). */
class ObservabilityStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    ApiGatewayAccountLogging.of(this);
    const obs = new ApiObservability(this, 'Observability');
    obs.watchRestApi({ apiName: 'legacy-api', apiId: 'a1b2c3d4e5', stageName: 'prod' });
  }
}

/** Adds every stack of the example to `app`. */
export function buildExample(app: App): Stack[] {
  return [new ObservabilityStack(app, 'ExampleObservability')];
}

/** Registers the compliance packs as validation plugins: any unacknowledged finding fails the synth. */
export function addCompliancePlugins(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(),
    new NIST80053R5Checks(),
    new HIPAASecurityChecks(),
    new PCIDSS321Checks(),
    new ServerlessChecks(),
    new CfnGuardValidator(),
  );
}

if (require.main === module) {
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  buildExample(app);
  addCompliancePlugins(app);
  app.synth();
}
