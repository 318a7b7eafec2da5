/**
 * Reading an IntegTest deployment's results, as integ-runner does: every assertion writes a stack output
 * `AssertionResults<id>` whose value is `{"status":"success"}` or `{"status":"fail","message":...}`
 * (@aws-cdk/integ-tests-alpha: assertions.js / http-call.js / sdk.js; assertion failures do not fail the
 * deployment unless `failDeployment` is set, which the runner does not rely on).
 */

/** `cdk deploy --outputs-file`: outputs by stack name, then by output key. */
export type StackOutputs = Record<string, Record<string, string>>;

/** One line per failed assertion, plus one when no assertion result was found at all. */
export function assertionFailures(outputs: StackOutputs): string[] {
  const failures: string[] = [];
  let seen = 0;
  for (const [stack, values] of Object.entries(outputs)) {
    for (const [key, value] of Object.entries(values ?? {})) {
      if (!key.startsWith('AssertionResults')) continue;
      seen++;
      let result: { status?: unknown; message?: unknown } | undefined;
      try {
        result = JSON.parse(value);
      } catch {
        result = undefined;
      }
      if (result?.status !== 'success') {
        failures.push(`${stack}.${key}: ${typeof result?.message === 'string' ? result.message : value}`);
      }
    }
  }
  if (seen === 0) failures.push('no AssertionResults output: the assertion stack did not deploy, or the test asserts nothing');
  return failures;
}

/** The pinned CLI's commands (run with npx from the repository root) on a synthesized assembly folder. */
export function deployCommands(assembly: string, outputsFile: string): { deploy: string[]; destroy: string[] } {
  return {
    deploy: ['cdk', 'deploy', '--app', assembly, '--all', '--require-approval', 'never', '--outputs-file', outputsFile],
    destroy: ['cdk', 'destroy', '--app', assembly, '--all', '--force'],
  };
}
