// SecuredRestApi as the README's quick start shows it: Cognito by default, a cache, CORS, a validated POST body
// and an IAM admin route. The backend is an HTTP service (a user's own functions would bring their own findings).
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { ApiAuthorization, CacheSize, SecuredRestApi } from 'cdk-apigateway-patterns';

export class OrdersStack extends Stack {
  public readonly api: SecuredRestApi;

  public constructor(app: App, id: string) {
    super(app, id);
    const userPool = cognito.UserPool.fromUserPoolArn(this, 'Users', 'arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_example');
    this.api = new SecuredRestApi(this, 'Orders', {
      authorization: ApiAuthorization.cognito(userPool, { scopes: ['orders/read'] }),
      stage: { cache: { size: CacheSize.GB_0_5 } },
      cors: { allowOrigins: ['https://shop.example.com'] },
    });
    const backend = (method: string, path: string): apigateway.HttpIntegration => new apigateway.HttpIntegration(
      `https://orders.internal.example.com${path}`,
      { proxy: true, httpMethod: method },
    );
    this.api.addRoute('GET', '/orders', backend('GET', '/orders'));
    this.api.addRoute('POST', '/orders', backend('POST', '/orders'), {
      scopes: ['orders/write'],
      requestSchema: {
        type: apigateway.JsonSchemaType.OBJECT,
        required: ['sku'],
        properties: { sku: { type: apigateway.JsonSchemaType.STRING } },
      },
    });
    this.api.addRoute('DELETE', '/admin/orders', backend('DELETE', '/admin/orders'), {
      authorization: ApiAuthorization.iam(),
      throttle: { rateLimit: 5, burstLimit: 10 },
    });
    new CfnOutput(this, 'OrdersUrl', { value: this.api.url });
  }
}
