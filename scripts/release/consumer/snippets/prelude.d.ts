// Names the README's TypeScript blocks use without declaring them: what a reader already has in their own
// stack (a user pool, functions, load balancers). A block that needs another type for one of these names says so
// with `<!-- snippet: declare name: Type -->` (see scripts/release/readme-snippets.ts). A name missing here
// fails the check with "Cannot find name".
type ReadmeFunction = import('aws-cdk-lib/aws-lambda').IFunction;

declare const app: import('aws-cdk-lib').App;
declare const api: import('cdk-apigateway-patterns').SecuredRestApi;
declare const stage: import('aws-cdk-lib/aws-apigateway').Stage;
declare const userPool: import('aws-cdk-lib/aws-cognito').IUserPool;
declare const pool: import('aws-cdk-lib/aws-cognito').IUserPool;
declare const listOrders: ReadmeFunction;
declare const createOrder: ReadmeFunction;
declare const deleteOrder: ReadmeFunction;
declare const listIntegration: import('aws-cdk-lib/aws-apigateway').Integration;
declare const invoiceIntegration: import('aws-cdk-lib/aws-apigateway').Integration;
declare const listPets: ReadmeFunction;
declare const findPet: ReadmeFunction;
declare const streams: ReadmeFunction;
declare const partnerAuthorizer: ReadmeFunction;
declare const typingHandler: ReadmeFunction;
declare const myNotifier: import('aws-cdk-lib/aws-iam').IGrantable;
declare const certificate: import('aws-cdk-lib/aws-certificatemanager').ICertificate;
declare const hostedZone: import('aws-cdk-lib/aws-route53').IHostedZone;
declare const nlb: import('aws-cdk-lib/aws-elasticloadbalancingv2').INetworkLoadBalancer;
declare const alb: import('aws-cdk-lib/aws-elasticloadbalancingv2').IApplicationLoadBalancer;
declare const queue: import('aws-cdk-lib/aws-sqs').IQueue;
