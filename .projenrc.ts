import { awscdk, javascript } from 'projen';

// Versions that work together on this machine kind: see ../shared/TOOLCHAIN.md.
const CDK_VERSION = '2.276.0';
const CONSTRUCTS_VERSION = '10.8.1';

const bundlingOptions: javascript.AddBundleOptions = {
  externals: ['@aws-sdk/*'],
  minify: true,
  sourcemap: false,
  platform: 'node',
  target: 'node24',
};

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-apigateway-patterns',
  description:
    'Secure-by-default AWS CDK L3 constructs for Amazon API Gateway: SecuredRestApi, PrivateVpcApi, MonetizedApi and WebSocketChatApi.',
  author: 'cdk-apigateway-patterns developers',
  authorAddress: 'maintainers@cdk-apigateway-patterns.dev',
  repositoryUrl: 'https://github.com/cdk-apigateway-patterns/cdk-apigateway-patterns.git',
  keywords: ['cdk', 'aws-cdk', 'apigateway', 'api-gateway', 'waf', 'websocket', 'cdk-nag', 'construct'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  license: 'Apache-2.0',

  cdkVersion: CDK_VERSION,
  constructsVersion: CONSTRUCTS_VERSION,
  jsiiVersion: '~6.0.0',
  // engines: aws-cdk-lib 2.276's own floor (README "Supported Node.js versions"; test/release/engines.test.ts).
  minNodeVersion: '20.0.0',

  // Published names (DESIGN.md: contract).
  publishToPypi: {
    distName: 'cdk-apigateway-patterns',
    module: 'cdk_apigateway_patterns',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkapigatewaypatterns',
    mavenGroupId: 'io.github.cdkapigatewaypatterns',
    mavenArtifactId: 'cdk-apigateway-patterns',
  },
  publishToNuget: {
    dotNetNamespace: 'CdkApiGatewayPatterns',
    packageId: 'CdkApiGatewayPatterns',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-apigateway-patterns/cdk-apigateway-patterns-go',
    packageName: 'cdkapigatewaypatterns',
  },

  // test/integ/*.integ.ts run through scripts/integ/run.ts (task `integ`): projen's own integ tasks would rewrite the
  // snapshot folders as raw cloud assemblies, whose assertion salts and asset hashes change at every synth.
  integrationTestAutoDiscover: false,

  // Lambda handlers: src/**/name.lambda.ts -> src/**/name-function.ts, bundled with esbuild into assets/.
  lambdaAutoDiscover: true,
  lambdaOptions: {
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    awsSdkConnectionReuse: false,
    // LambdaFunction spreads these into Bundler.addBundle, so the wider AddBundleOptions apply (minify).
    bundlingOptions: bundlingOptions,
  },

  devDeps: [
    // TOOLCHAIN.md trap 6: pin TypeScript and the Node types rather than projen's typescriptVersion.
    'typescript@~6.0.0',
    '@types/node@^22',
    'esbuild@^0.28.0',
    // TOOLCHAIN.md trap 1: the CLI's `latest` tag cannot read aws-cdk-lib 2.276's cloud assembly.
    'aws-cdk@~2.1148.1',
    // Compliance harness.
    'cdk-nag@3.0.2',
    '@cdklabs/cdk-validator-cfnguard@0.0.62',
    // Runtime code of the bundled handlers (bundled by esbuild; the AWS SDK v3 stays external).
    'aws-jwt-verify@^5',
    '@aws-sdk/client-dynamodb@^3',
    '@aws-sdk/lib-dynamodb@^3',
    '@aws-sdk/client-apigatewaymanagementapi@^3',
    '@aws-sdk/client-sqs@^3',
    // The SDK's SigV4 signer, bundled into the chat handlers' lean @connections poster.
    '@smithy/signature-v4@^5',
    '@aws-sdk/client-api-gateway@^3',
    // MonetizedApi handlers (src/runtime/monetized): Marketplace SaaS fulfilment, key values published to
    // Secrets Manager, usage exports to S3; their tests mock the SDK clients.
    '@aws-sdk/client-marketplace-metering@^3',
    '@aws-sdk/client-secrets-manager@^3',
    '@aws-sdk/client-s3@^3',
    'aws-sdk-client-mock@^4',
    // OpenAPI export is validated in tests with a maintained validator.
    '@seriousme/openapi-schema-validator@^2',
    '@aws-lambda-powertools/logger@^2',
    '@aws-lambda-powertools/metrics@^2',
    '@types/aws-lambda@^8',
    // Local stand-ins for end-to-end tests.
    'dynalite@4.0.0',
    'ws@^8',
    '@types/ws@^8',
    // Local fronts driven by the cloud assembly (test/support/local): draft-04 JSON-schema validation of request
    // models as API Gateway applies them, and the playground's browser test (Debian's chromium).
    'ajv@^8',
    'ajv-draft-04@^1',
    'playwright-core@^1',
    // Benchmark baseline only (bench/routes.bench.ts); peer aws-cdk-lib ^2.260.0 accepts 2.276.0.
    '@aws-solutions-constructs/aws-apigateway-lambda@2.104.0',
    // Integration tests (test/integ/*.integ.ts): IntegTest and its assertions; peer aws-cdk-lib ^2.245.0.
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    // The integration tests' probe signs a throwaway user in (test/integ/probes/signin.js; the Lambda runtime has it).
    '@aws-sdk/client-cognito-identity-provider@^3',
  ],

  gitignore: ['cdk.out/', '.tmp/', 'examples/cdk.out/', 'examples/*.openapi.json', 'bench/results/', 'test-reports/'],

  jestOptions: {
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/', '/.tmp/'],
      collectCoverage: false,
      testTimeout: 120_000,
      maxWorkers: 2,
    },
  },

  githubOptions: { mergify: false },
  buildWorkflow: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
});

for (const pattern of ['/examples/', '/bench/', '/.ci/', '/scripts/', '/.tmp/']) {
  project.addPackageIgnore(pattern);
}

// Code that runs inside Lambda is bundled by esbuild: its imports are devDependencies on purpose (TOOLCHAIN.md
// trap 8), not dependencies of the published library.
project.eslint?.addOverride({
  files: ['src/runtime/**/*.ts', 'src/**/*.lambda.ts'],
  rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true, optionalDependencies: false, peerDependencies: true }] },
});

// TOOLCHAIN.md trap 5: a freshly generated lock can miss unrs-resolver bindings for other platforms.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// TOOLCHAIN.md traps 3, 10, 12: the template checker is switched off for the bulk of the tests (one dedicated
// test file turns it back on), jsii's Node 20 banner is silenced, and temp files stay inside the checkout.
const testEnv: Record<string, string> = {
  CDK_VALIDATION: 'false',
  JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20',
  TMPDIR: '$(mkdir -p .tmp && cd .tmp && pwd)',
};
for (const name of ['compile', 'docgen', 'package:js', 'package-all']) {
  project.tasks.tryFind(name)?.env('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');
}

// `npm test`: bundle the handlers, run jest through a wrapper that prints the plain `N passed, N failed`
// line CI reads (TOOLCHAIN.md trap 9), then eslint. Inside `.ci/run`'s build the jest run is skipped because
// the README's test command has just run it.
const jestTask = project.addTask('test:jest', {
  description: 'Run the jest suite and print a plain "N passed, N failed" summary',
  env: testEnv,
  condition: '[ -z "$SKIP_JEST_IN_BUILD" ]',
  exec: 'mkdir -p .tmp && node scripts/run-jest.js',
  receiveArgs: true,
});
// ts-jest only transpiles the tests (test/tsconfig.json sets isolatedModules), so a test passing a prop that does not
// exist would still run: type-check them first, with the full checker.
const testTypesTask = project.addTask('test:types', {
  description: 'Type-check the tests (ts-jest transpiles them without checking)',
  condition: '[ -z "$SKIP_JEST_IN_BUILD" ]',
  exec: 'tsc --noEmit -p test/tsconfig.json --isolatedModules false',
});
project.testTask.reset();
project.testTask.spawn(project.bundler.bundleTask);
project.testTask.spawn(testTypesTask);
project.testTask.spawn(jestTask);
// eslint (with --fix) runs in `npm test`; `.ci/run`'s build right after it skips the second run.
const lintTask = project.addTask('test:lint', {
  description: 'eslint, unless the build runs right after `npm test` (SKIP_JEST_IN_BUILD)',
  condition: '[ -z "$SKIP_JEST_IN_BUILD" ]',
});
lintTask.spawn(project.tasks.tryFind('eslint')!);
project.testTask.spawn(lintTask);

// The README's main command: synthesize the example app with the pinned CLI and print its report.
project.addTask('example', {
  description: 'Synthesize the example app into examples/cdk.out and print a report per stack',
  env: { JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', TMPDIR: '$(mkdir -p .tmp && cd .tmp && pwd)' },
  steps: [
    { spawn: 'bundle' },
    { exec: 'mkdir -p .tmp && rm -rf examples/cdk.out' },
    { exec: 'cdk synth --quiet --app "ts-node --transpile-only --prefer-ts-exts examples/app.ts" --output examples/cdk.out', cwd: '.' },
    { exec: 'ts-node --transpile-only --prefer-ts-exts scripts/report.ts examples/cdk.out' },
  ],
});

// The integration tests (test/integ/*.integ.ts, README "Integration tests"): compare the snapshots, `--update` them,
// or `--deploy <name>` one with an AWS account.
project.addTask('integ', {
  description: 'Integration tests: compare the snapshots; --update rewrites them; --deploy <name> [--keep] runs one in an AWS account',
  env: { CDK_VALIDATION: 'false', JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', TMPDIR: '$(mkdir -p .tmp && cd .tmp && pwd)' },
  steps: [
    { spawn: 'bundle' },
    { exec: 'ts-node --transpile-only --prefer-ts-exts scripts/integ/run.ts', receiveArgs: true },
  ],
});

// The local playground: synthesize the example app and serve its chat and REST APIs on 127.0.0.1 against local
// stand-ins, with a browser chat page (scripts/local, docs/local-fronts.md).
project.addTask('local', {
  description: 'Serve the example app\'s chat and REST APIs on 127.0.0.1 (local fronts driven by the cloud assembly)',
  env: { CDK_VALIDATION: 'false', JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', TMPDIR: '$(mkdir -p .tmp && cd .tmp && pwd)' },
  steps: [
    { spawn: 'bundle' },
    { exec: 'mkdir -p .tmp && ts-node --transpile-only --prefer-ts-exts scripts/local/server.ts', receiveArgs: true },
  ],
});

// Benchmarks: never timed assertions in tests; figures printed as a table.
project.addTask('bench', {
  description: 'Run the benchmarks in bench/ and print a table',
  env: { CDK_VALIDATION: 'false', JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', TMPDIR: '$(mkdir -p .tmp && cd .tmp && pwd)' },
  steps: [
    { spawn: 'bundle' },
    // receiveArgs: `npm run bench -- jwt` runs the benchmarks whose file name contains "jwt".
    { exec: 'mkdir -p .tmp && ts-node --transpile-only --prefer-ts-exts bench/index.ts', receiveArgs: true },
  ],
});

project.synth();
