/**
 * The integration tests (test/integ/*.integ.ts) without an AWS account: each app synthesizes (with the
 * deploy-readiness check as a validation plugin, so an app AWS would refuse fails here), matches its committed
 * snapshot, asserts something, and hands its probes only events they accept, read from the synthesized assertion
 * stack as the assertion provider will decode them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkEvent as checkHttpEvent, worstCaseMs } from './probes/http';
import { checkEvent as checkWsEvent } from './probes/ws';
import { probeInvocations } from './support/assembly';
import { diffSnapshot, integTestNames, normalize, readSnapshot, snapshotOf, synthIntegTest } from './support/snapshot';

const names = integTestNames();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-'));
const synthesized = new Map<string, string>();

/** Synthesizes a test once per jest worker. */
function assembly(name: string): string {
  if (!synthesized.has(name)) {
    const outdir = path.join(work, name);
    synthIntegTest(name, outdir);
    synthesized.set(name, outdir);
  }
  return synthesized.get(name)!;
}

function templates(outdir: string): Record<string, any> {
  return Object.fromEntries(fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'))
    .map((f) => [f, JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8'))]));
}

const EVENT_CHECKS: Record<string, (event: unknown) => void> = {
  http: checkHttpEvent,
  ws: checkWsEvent,
};

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('there is an integration test for every pattern and for canary releases', () => {
  expect(names).toEqual(expect.arrayContaining(['secured-rest-api', 'canary']));
});

describe.each(names)('integration test %s', (name) => {
  test('matches its committed snapshot (run `npx ts-node scripts/integ/run.ts --update` after reviewing a change)', () => {
    const diff = diffSnapshot(readSnapshot(name), snapshotOf(assembly(name)));
    expect(diff).toEqual([]);
  });

  test('synthesizes without a warning or an error annotation', () => {
    const annotations: string[] = [];
    for (const f of fs.readdirSync(assembly(name)).filter((x) => x.endsWith('.metadata.json'))) {
      const metadata = JSON.parse(fs.readFileSync(path.join(assembly(name), f), 'utf8')) as Record<string, { type: string; data: unknown }[]>;
      for (const [at, entries] of Object.entries(metadata)) {
        for (const e of entries) if (e.type === 'aws:cdk:warning' || e.type === 'aws:cdk:error') annotations.push(`${at}: ${String(e.data)}`);
      }
    }
    expect(annotations).toEqual([]);
  });

  test('leaves behind only the account\'s API Gateway logging setting (README "Integration tests"), no protected table', () => {
    // CloudFormation keeps a resource whose DeletionPolicy is Retain (or RetainExceptOnCreate, or Snapshot, which
    // keeps a snapshot) when the stack is deleted, and cannot delete a table with deletion protection on.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
    const kept: string[] = [];
    for (const [file, template] of Object.entries(templates(assembly(name)))) {
      for (const [id, r] of Object.entries<any>(template.Resources ?? {})) {
        const stays = r.DeletionPolicy !== undefined && r.DeletionPolicy !== 'Delete';
        if (stays && !id.startsWith('ApiGatewayAccountLogging')) kept.push(`${file} ${id} (${r.Type}): DeletionPolicy ${r.DeletionPolicy}`);
        if (r.Type === 'AWS::DynamoDB::Table' && r.Properties?.DeletionProtectionEnabled) kept.push(`${file} ${id}: deletion protection`);
      }
    }
    expect(kept).toEqual([]);
  });

  test('asserts something: every assertion writes an AssertionResults output of the assertion stack', () => {
    const integ = JSON.parse(fs.readFileSync(path.join(assembly(name), 'integ.json'), 'utf8'));
    const cases = Object.values(integ.testCases) as { assertionStackName: string }[];
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      const assertions = JSON.parse(fs.readFileSync(path.join(assembly(name), `${c.assertionStackName}.template.json`), 'utf8'));
      expect(Object.keys(assertions.Outputs ?? {}).filter((k) => k.startsWith('AssertionResults')).length).toBeGreaterThan(0);
    }
  });

  test('each probe invocation, decoded as the assertion provider and Lambda will, is an event its probe accepts', () => {
    const calls = probeInvocations(templates(assembly(name)));
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const check = EVENT_CHECKS[call.probe];
      if (!check) throw new Error(`${call.id}: no event check for probe ${call.probe}`);
      expect(() => check(call.event)).not.toThrow();
    }
  });
});

test.each(names)('%s: every probe returns before the assertion provider that invokes it times out, even when every request times out', (name) => {
  // Lambda's Invoke (RequestResponse) waits for the function; the provider function invoking the probe has its own
  // timeout (120 s), so a probe still running then fails the assertion whatever it finds.
  // https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html, https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
  for (const call of probeInvocations(templates(assembly(name)))) {
    expect({ id: call.id, fits: call.probeTimeout < call.callerTimeout }).toEqual({ id: call.id, fits: true });
    if (call.probe === 'http') {
      // The probe's own requests, at their worst, within its timeout (a few seconds left for sign-in).
      const worst = worstCaseMs(call.event as Parameters<typeof worstCaseMs>[0]);
      expect({ id: call.id, worst, within: worst + 5000 <= call.probeTimeout * 1000 }).toEqual({ id: call.id, worst, within: true });
    }
  }
});

describe('snapshot comparison', () => {
  const base = {
    'S.template.json': { Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'a.handler', MemorySize: 128 } } } },
    'integ.json': { testCases: {} },
  };

  test('reports a changed property, an added and a removed resource, and added or missing files', () => {
    const changed = JSON.parse(JSON.stringify(base));
    changed['S.template.json'].Resources.Fn.Properties.MemorySize = 256;
    changed['S.template.json'].Resources.Topic = { Type: 'AWS::SNS::Topic' };
    changed['S.template.json'].Resources.Fn.DeletionPolicy = 'Delete';
    expect(diffSnapshot(base, changed)).toEqual([
      'S.template.json: Resources.Topic added (AWS::SNS::Topic)',
      'S.template.json: Resources.Fn changed (MemorySize, DeletionPolicy)',
    ]);
    expect(diffSnapshot(changed, base)).toEqual([
      'S.template.json: Resources.Topic removed',
      'S.template.json: Resources.Fn changed (MemorySize, DeletionPolicy)',
    ]);
    const { ['integ.json']: _gone, ...withoutInteg } = base;
    expect(diffSnapshot(base, { ...withoutInteg, 'T.template.json': {} })).toEqual([
      'integ.json: in the snapshot, not synthesized any more',
      'T.template.json: synthesized, not in the snapshot',
    ]);
    expect(diffSnapshot(base, JSON.parse(JSON.stringify(base)))).toEqual([]);
  });

  test('masks what changes at every synth (the assertions\' salt) and asset hashes, nothing else', () => {
    const hash = 'a'.repeat(64);
    expect(normalize({ Properties: { salt: '1764640000000', S3Key: `${hash}.zip`, Handler: 'index.handler', Memory: 128 } })).toEqual({
      Properties: { salt: '<salt>', S3Key: '<asset-hash>.zip', Handler: 'index.handler', Memory: 128 },
    });
    expect(normalize('b'.repeat(63))).toBe('b'.repeat(63));
  });
});
