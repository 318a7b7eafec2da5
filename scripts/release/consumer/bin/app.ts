// The consumer app of the release check: what a user writes after `npm install cdk-apigateway-patterns`, with
// every compliance plugin registered as the README shows. Any finding, type error or missing asset fails CI.
// A new pattern: one file in lib/ and one line in STACKS.
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { DeployReadinessCheck, NestedTemplateChecker } from 'cdk-apigateway-patterns';
import { ChatStack } from '../lib/chat-stack';
import { InventoryStack } from '../lib/inventory-stack';
import { MonetizedStack } from '../lib/monetized-stack';
import { OrdersStack } from '../lib/orders-stack';

const STACKS: Array<new (app: App, id: string) => Stack> = [
  OrdersStack,
  ChatStack,
  InventoryStack,
  MonetizedStack,
];

const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
for (const StackClass of STACKS) {
  new StackClass(app, `Consumer${StackClass.name}`);
}
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(),
  new NIST80053R5Checks(),
  new HIPAASecurityChecks(),
  new PCIDSS321Checks(),
  new ServerlessChecks(),
  new CfnGuardValidator(),
  new NestedTemplateChecker(),
  new DeployReadinessCheck(),
);
app.synth();
