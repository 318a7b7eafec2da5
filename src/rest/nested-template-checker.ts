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
    return new CloudFormationValidatePlugin().validate({
      templatePaths: nested.map((n) => n.templatePath),
      stackTemplates: nested.map((n) => ({ templatePath: n.templatePath, stackConstructPath: n.stackPath, accountId: undefined, region: undefined })),
      appConstruct: context.appConstruct,
    });
  }
}
