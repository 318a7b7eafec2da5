/**
 * Synthesis cost of the core building blocks: in-process synth time and template size of a stack holding
 * ApiObservability watching N REST stages. A baseline the pattern benchmarks build on.
 */
import { App, Stack } from 'aws-cdk-lib';
import { ApiObservability } from '../src';
import type { BenchResult } from './index';

function synthOnce(stages: number): { ms: number; resources: number; bytes: number } {
  const started = process.hrtime.bigint();
  const app = new App();
  const stack = new Stack(app, 'Bench');
  const obs = new ApiObservability(stack, 'Obs');
  for (let i = 0; i < stages; i++) obs.watchRestApi({ apiName: 'api', apiId: 'abc', stageName: `s${i}` });
  const assembly = app.synth();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const template = assembly.getStackByName('Bench').template;
  return { ms, resources: Object.keys(template.Resources).length, bytes: Buffer.byteLength(JSON.stringify(template)) };
}

export async function run(): Promise<BenchResult> {
  const rows: (string | number)[][] = [];
  synthOnce(1); // warm-up
  for (const stages of [1, 5, 10]) {
    const samples = [0, 1, 2].map(() => synthOnce(stages));
    const median = samples.map((s) => s.ms).sort((a, b) => a - b)[1];
    rows.push([stages, samples[0].resources, samples[0].bytes, Math.round(median)]);
  }
  return {
    title: 'ApiObservability synth (median of 3, CDK_VALIDATION=false)',
    columns: ['stages', 'resources', 'template bytes', 'synth ms'],
    rows,
  };
}
