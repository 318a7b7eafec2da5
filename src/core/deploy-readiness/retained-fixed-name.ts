/**
 * A resource with `DeletionPolicy: Retain` survives `cdk destroy`; if its name is a literal (the same at every
 * deployment), the next deployment of the stack fails to create it again ("... already exists"). A name that
 * contains a per-deployment value (a reference to another resource of the stack, or `AWS::StackId`) is fine;
 * `AWS::StackName`, `AWS::Region` and `AWS::AccountId` are the same at the next deployment. Names that depend on
 * a top-level parameter or an import cannot be judged and are skipped.
 *
 * Source: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html
 */
import { render } from './intrinsics';
import { DeployRule, RuleFinding } from './rule';

/** The property holding the physical name, by resource type (names unique per account and region). */
export const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::User': 'UserName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::Kinesis::Stream': 'Name',
  'AWS::KinesisFirehose::DeliveryStream': 'DeliveryStreamName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SSM::Parameter': 'Name',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::Events::EventBus': 'Name',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::WAFv2::WebACL': 'Name',
  'AWS::WAFv2::IPSet': 'Name',
  'AWS::ApiGateway::DomainName': 'DomainName',
  'AWS::ApiGatewayV2::DomainName': 'DomainName',
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::RDS::DBCluster': 'DBClusterIdentifier',
  'AWS::Backup::BackupVault': 'BackupVaultName',
};

const RETAINED = new Set(['Retain', 'RetainExceptOnCreate']);

export const retainedFixedName: DeployRule = {
  id: 'RetainedFixedName',
  fact: 'A retained resource with a fixed name makes the next deployment after `cdk destroy` fail with "already exists".',
  source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html',
  fix: 'Let CloudFormation generate the name, or derive it from a per-deployment value (a resource id, or AWS::StackId), or do not retain the resource.',
  check: ({ templates }) => {
    const findings: RuleFinding[] = [];
    for (const [type, property] of Object.entries(NAME_PROPERTIES)) {
      for (const ref of templates.resources(type)) {
        const name = ref.resource.Properties?.[property];
        if (name === undefined || !RETAINED.has(ref.resource.DeletionPolicy ?? '')) continue;
        const rendered = render(templates, ref.file, name);
        const perDeployment = rendered.targets.length > 0 || rendered.pseudo.includes('AWS::StackId');
        if (perDeployment || rendered.unknown > 0) continue;
        findings.push({
          resource: ref,
          locations: [`Properties/${property}`],
          message: `${templates.describe(ref)}: retained (DeletionPolicy ${ref.resource.DeletionPolicy}) with the fixed ${property} "${rendered.text}", so the next deployment after a destroy fails with "already exists"`,
        });
      }
    }
    return findings;
  },
};
