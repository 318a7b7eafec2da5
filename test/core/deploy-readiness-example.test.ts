/**
 * The example app registers DeployReadinessCheck with its compliance plugins, and every stack of it passes the
 * check (nested templates included).
 */
import { App, Validations } from 'aws-cdk-lib';
import { addCompliancePlugins, buildExample } from '../../examples/app';
import { DeployReadinessCheck } from '../../src';
import { readinessFindings } from './deploy-readiness/support';

describe('the example app', () => {
  test('registers DeployReadinessCheck among its validation plugins', () => {
    const registered: unknown[] = [];
    const spy = jest.spyOn(Validations.prototype, 'addPlugins').mockImplementation((...plugins) => {
      registered.push(...plugins);
    });
    try {
      addCompliancePlugins(new App());
    } finally {
      spy.mockRestore();
    }
    expect(registered.filter((p) => p instanceof DeployReadinessCheck)).toHaveLength(1);
  });

  test('has no deploy-readiness finding', () => {
    const app = new App();
    buildExample(app);
    expect(readinessFindings(app)).toEqual([]);
  });
});
