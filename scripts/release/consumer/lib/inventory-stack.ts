// PrivateVpcApi in the quick-start VPC: IAM authorization by default, a deny-by-default resource policy, a
// consumer account's endpoint allowed too.
import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { PrivateVpcApi } from 'cdk-apigateway-patterns';

export class InventoryStack extends Stack {
  public readonly api: PrivateVpcApi;

  public constructor(app: App, id: string) {
    super(app, id);
    const vpc = PrivateVpcApi.quickStartVpc(this, 'Vpc');
    this.api = new PrivateVpcApi(this, 'Inventory', {
      vpc,
      allowedVpcEndpoints: ['arn:aws:ec2:eu-west-1:444455556666:vpc-endpoint/vpce-0f1e2d3c4b5a69788'],
    });
    this.api.addRoute('GET', '/health', new apigateway.MockIntegration({
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
      integrationResponses: [{ statusCode: '200', responseTemplates: { 'application/json': '{"status":"ok"}' } }],
    }), { methodResponses: [{ statusCode: '200' }] });
  }
}
