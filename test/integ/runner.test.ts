/**
 * scripts/integ/run.ts without an account: how a deployment's assertion results are read (the `AssertionResults*`
 * outputs @aws-cdk/integ-tests-alpha writes, as integ-runner reads them) and the CLI commands the deploy runs.
 */
import { assertionFailures, deployCommands } from '../../scripts/integ/assertions';

const SUCCESS = '{"status":"success"}';

describe('assertion results', () => {
  test('every AssertionResults output of every stack succeeded: no failure', () => {
    expect(assertionFailures({
      IntegStack: { ApiUrl: 'https://x' },
      IntegDeployAssertA1: { AssertionResultsLambdaInvokeAb: SUCCESS, AssertionResultsAwsApiCallCd: SUCCESS },
    })).toEqual([]);
  });

  test('a failed assertion is reported with its stack, output and message', () => {
    const fail = JSON.stringify({ status: 'fail', message: 'Expected 429 but received 200 at /Payload/statuses/3' });
    expect(assertionFailures({ A: { AssertionResultsX: SUCCESS, AssertionResultsY: fail } })).toEqual([
      'A.AssertionResultsY: Expected 429 but received 200 at /Payload/statuses/3',
    ]);
  });

  test('a value that is not a result counts as a failure, shown as it is', () => {
    expect(assertionFailures({ A: { AssertionResultsZ: 'oops' } })).toEqual(['A.AssertionResultsZ: oops']);
  });

  test('no assertion output at all is a failure, not a pass', () => {
    expect(assertionFailures({})).toEqual([expect.stringMatching(/^no AssertionResults output/)]);
    expect(assertionFailures({ IntegStack: { ApiUrl: 'https://x' } })).toHaveLength(1);
  });
});

test('deploy and destroy run the pinned CLI on the synthesized assembly, every stack, without prompts', () => {
  const { deploy, destroy } = deployCommands('.tmp/integ/canary', '.tmp/integ/canary.outputs.json');
  expect(deploy).toEqual(['cdk', 'deploy', '--app', '.tmp/integ/canary', '--all', '--require-approval', 'never', '--outputs-file', '.tmp/integ/canary.outputs.json']);
  expect(destroy).toEqual(['cdk', 'destroy', '--app', '.tmp/integ/canary', '--all', '--force']);
});
