/**
 * The Node.js versions the library states (package.json `engines`, from .projenrc.ts `minNodeVersion`) and the
 * README's "Supported Node.js versions" table. The rule: a CDK app loads aws-cdk-lib, whose own `engines` floor
 * (aws-cdk-lib package.json, `>= 20.0.0` in 2.276) is the lowest Node.js the library can run on; stating a lower
 * one promises what a user cannot get, a higher one refuses apps that work. Node.js release schedule (20 reached
 * end of life in April 2026): https://nodejs.org/en/about/previous-releases
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../scripts/release/common';

const own = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const cdkLib = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8'));
const floor = (range: string): number => Number(/>=\s*(\d+)/.exec(range)?.[1]);

describe('supported Node.js versions', () => {
  test('engines states the floor of the installed aws-cdk-lib', () => {
    expect(own.engines?.node).toBeDefined();
    expect(floor(own.engines.node)).toBe(floor(cdkLib.engines.node));
  });

  test('the README table states the same floor and the bundled handlers\' runtime', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Supported Node.js versions'));
    expect(section.length).toBeLessThan(readme.length);
    expect(section).toContain(`\`>= ${floor(own.engines.node)}.0.0\``);
    const runtime = /runtime:\s*awscdk\.LambdaRuntime\.NODEJS_(\d+)_X/.exec(fs.readFileSync(path.join(REPO_ROOT, '.projenrc.ts'), 'utf8'))?.[1];
    expect(section).toContain(`\`nodejs${runtime}.x\``);
  });

  test('this machine\'s Node.js is within what engines states', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(floor(own.engines.node));
  });
});
