import * as path from 'node:path';
import {
  CloudFormationValidatePlugin,
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  NestedStack,
  PolicyValidationPluginReport,
  Stack,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Runs aws-cdk-lib's built-in CloudFormation template checker over nested stack templates, which the built-in run
 * (`@aws-cdk/core:validateAgainstDefaultRules`) skips because nested templates are file assets. Sharded REST APIs
 * keep routes in nested stacks, so register it to leave no template unchecked:
 *
 * @example
 * Validations.of(app).addPlugins(new NestedTemplateChecker());
 */
export class NestedTemplateChecker implements IPolicyValidationPlugin {
  public readonly name = 'Nested template checker';

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const directories = new Map(context.stackTemplates.map((s) => [s.stackConstructPath, path.dirname(s.templatePath)]));
    const nested: { templatePath: string; stackPath: string }[] = [];
    const visit = (c: IConstruct) => {
      if (NestedStack.isNestedStack(c)) {
        let root: Stack = c;
        while (root.nestedStackParent) root = root.nestedStackParent;
        const dir = directories.get(root.node.path);
        if (dir) nested.push({ templatePath: path.join(dir, c.templateFile), stackPath: c.node.path });
      }
      for (const child of c.node.children) visit(child);
    };
    visit(context.appConstruct);
    if (nested.length === 0) return { success: true, violations: [] };
    // Each plugin builds its own WebAssembly rule engine; free it once done, or every synth of a long-lived process
    // (a test run, a watch) keeps one more engine's memory, and the engines' creation slows down as it grows.
    const plugin = new CloudFormationValidatePlugin();
    const stackTemplates = nested.map((n) => ({
      templatePath: n.templatePath, stackConstructPath: n.stackPath, accountId: undefined, region: undefined,
    }));
    try {
      return plugin.validate({
        templatePaths: nested.map((n) => n.templatePath),
        stackTemplates,
        appConstruct: context.appConstruct,
      });
    } finally {
      plugin._dispose();
    }
  }
}
