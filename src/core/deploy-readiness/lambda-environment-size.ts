/**
 * Lambda refuses CreateFunction and UpdateFunctionConfiguration when a function's environment variables pass
 * 4 KB in total. The size counted here is the JSON of the `Variables` map (`{"KEY":"value",...}`, keys, values
 * and separators, UTF-8 bytes), which is at least what Lambda counts; unresolved values count at their
 * conservative estimate (intrinsics.ts), so a finding on references alone says "estimated".
 *
 * Source: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html ("the total size of all
 * environment variables doesn't exceed 4 KB") and https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
import { estimatedLength, isIntrinsic, isObject } from './intrinsics';
import { DeployRule, formatNumber, RuleFinding } from './rule';

export const LAMBDA_ENVIRONMENT_LIMIT = 4096;

export const lambdaEnvironmentSize: DeployRule = {
  id: 'LambdaEnvironmentSize',
  fact: 'A Lambda function\'s environment variables may total at most 4 KB (4,096 bytes), keys and values included.',
  source: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html',
  fix: 'Move large values out of the environment (SSM Parameter Store, Secrets Manager, an S3 object or the bundle).',
  check: ({ templates }) => {
    const findings: RuleFinding[] = [];
    for (const fn of templates.resources('AWS::Lambda::Function')) {
      const variables = fn.resource.Properties?.Environment?.Variables;
      if (!isObject(variables) || isIntrinsic(variables)) continue;
      let bytes = 2; // {}
      let estimated = false;
      for (const [name, value] of Object.entries(variables)) {
        estimated ||= isIntrinsic(value);
        bytes += Buffer.byteLength(name) + estimatedLength(templates, fn.file, value) + 6; // "K":"V",
      }
      bytes -= Object.keys(variables).length > 0 ? 1 : 0; // no comma after the last pair
      if (bytes > LAMBDA_ENVIRONMENT_LIMIT) {
        findings.push({
          resource: fn,
          locations: ['Properties/Environment/Variables'],
          message:
            `${templates.describe(fn)}: environment variables total ${estimated ? 'an estimated ' : ''}${formatNumber(bytes)} bytes ` +
            `(${Object.keys(variables).length} variables), more than Lambda's ${formatNumber(LAMBDA_ENVIRONMENT_LIMIT)}`,
        });
      }
    }
    return findings;
  },
};
