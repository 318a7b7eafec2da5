/**
 * The compliance harness: every finding of the five cdk-nag packs, of the Control Tower proactive controls
 * (cfn-guard), of aws-cdk-lib's built-in CloudFormation template checker and of the library's own
 * DeployReadinessCheck (deploy-time rules), for a stack and every nested
 * stack below it, minus what is acknowledged (Validations.of(resource).acknowledge) on the resource or a parent.
 *
 * Usage: `expect(complianceFindings(stack)).toEqual([])`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  App,
  CfnResource,
  CloudFormationValidatePlugin,
  NestedStack,
  PolicyValidationPluginReport,
  Stack,
  Stage,
  Validations,
} from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NIST80053R5Checks,
  NagPack,
  PCIDSS321Checks,
  ServerlessChecks,
} from 'cdk-nag';
import { IConstruct } from 'constructs';
import { DeployReadinessCheck } from '../../src';

/** One unacknowledged finding. */
export interface ComplianceFinding {
  /** The pack or checker: AwsSolutions, NIST.800.53.R5, HIPAA.Security, PCI.DSS.321, Serverless, ControlTower, CfnTemplateChecker, DeployReadiness. */
  readonly source: string;
  /** The rule id, as it would be acknowledged. */
  readonly ruleId: string;
  /** Construct path (or template and logical id when the construct could not be found). */
  readonly resource: string;
  /** First line of the rule's message. */
  readonly message: string;
}

/** What the harness runs; all on by default. */
export interface ComplianceOptions {
  readonly nag?: boolean;
  readonly guard?: boolean;
  readonly templateChecker?: boolean;
  readonly deployReadiness?: boolean;
}

const GUARD_RULES_DIR = path.join(
  path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
  'rules',
  'control-tower',
  'cfn-guard',
);

/** Every unacknowledged finding for `stack` (and its nested stacks). */
export function complianceFindings(stack: Stack, options: ComplianceOptions = {}): ComplianceFinding[] {
  const findings: ComplianceFinding[] = [];
  if (options.nag ?? true) findings.push(...nagFindings(stack));
  const assemblyDir = synthesizedDirectory(stack);
  const templates = templatesOf(stack, assemblyDir);
  const index = resourceIndex(stack, assemblyDir);
  if (options.guard ?? true) findings.push(...guardFindings(templates, index));
  if (options.templateChecker ?? true) findings.push(...templateCheckerFindings(templates, index));
  if (options.deployReadiness ?? true) findings.push(...deployReadinessFindings(stack, templates, index));
  return findings.sort((a, b) => `${a.source}${a.ruleId}${a.resource}`.localeCompare(`${b.source}${b.ruleId}${b.resource}`));
}

/** Renders findings one per line, for readable test failures. */
export function formatFindings(findings: readonly ComplianceFinding[]): string[] {
  return findings.map((f) => `${f.source} ${f.ruleId} ${f.resource}: ${f.message}`);
}

/** Counts findings per source, with every source present (zero included). */
export function countBySource(findings: readonly ComplianceFinding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const source of SOURCES) counts[source] = 0;
  for (const f of findings) counts[f.source] = (counts[f.source] ?? 0) + 1;
  return counts;
}

export const SOURCES = [
  'AwsSolutions',
  'NIST.800.53.R5',
  'HIPAA.Security',
  'PCI.DSS.321',
  'Serverless',
  'ControlTower',
  'CfnTemplateChecker',
  'DeployReadiness',
] as const;

function nagPacks(): NagPack[] {
  return [
    new AwsSolutionsChecks(),
    new NIST80053R5Checks(),
    new HIPAASecurityChecks(),
    new PCIDSS321Checks(),
    new ServerlessChecks(),
  ];
}

function nagFindings(stack: Stack): ComplianceFinding[] {
  const out: ComplianceFinding[] = [];
  for (const pack of nagPacks()) {
    const report: PolicyValidationPluginReport = pack.validateScope(stack);
    for (const violation of report.violations) {
      for (const resource of violation.violatingResources) {
        out.push({
          source: pack.readPackName,
          ruleId: violation.ruleName,
          resource: resource.constructPath ?? resource.resourceLogicalId ?? '?',
          message: firstLine(violation.description),
        });
      }
    }
  }
  return out;
}

/** Synthesizes the app (once; later calls reuse the assembly) and returns its directory. */
function synthesizedDirectory(stack: Stack): string {
  const stage = Stage.of(stack);
  if (!stage) throw new Error(`${stack.node.path} is not in an App or Stage`);
  return stage.synth().directory;
}

interface TemplateRef {
  readonly file: string;
  readonly template: any;
}

/** The stack's template and every nested template below it (nested ones are file assets). */
function templatesOf(stack: Stack, assemblyDir: string): TemplateRef[] {
  const refs: TemplateRef[] = [];
  for (const s of stacksBelow(stack)) {
    const file = path.join(assemblyDir, s.templateFile);
    if (fs.existsSync(file)) refs.push({ file, template: JSON.parse(fs.readFileSync(file, 'utf8')) });
  }
  return refs;
}

function stacksBelow(stack: Stack): Stack[] {
  const out: Stack[] = [];
  const visit = (c: IConstruct) => {
    if (Stack.isStack(c) && (c === stack || NestedStack.isNestedStack(c))) out.push(c);
    for (const child of c.node.children) visit(child);
  };
  visit(stack);
  return out;
}

/** template file basename + logical id -> the CfnResource. */
function resourceIndex(stack: Stack, _assemblyDir: string): Map<string, CfnResource> {
  const index = new Map<string, CfnResource>();
  const visit = (c: IConstruct) => {
    if (CfnResource.isCfnResource(c)) {
      const owner = Stack.of(c);
      index.set(`${path.basename(owner.templateFile)}|${owner.resolve(c.logicalId)}`, c);
    }
    for (const child of c.node.children) visit(child);
  };
  visit(stack);
  return index;
}

function isAcknowledged(resource: IConstruct | undefined, ids: string[]): boolean {
  let current: IConstruct | undefined = resource;
  while (current) {
    for (const entry of current.node.metadata) {
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data) {
        const acknowledged = Object.keys(entry.data).map((k) => k.replace(/^[^:]+::/, ''));
        if (ids.some((id) => acknowledged.includes(id))) return true;
      }
    }
    current = current.node.scope;
  }
  return false;
}

/** A Control Tower guard rule file and the resource types it names. */
export interface GuardRuleFile {
  readonly file: string;
  readonly text: string;
  readonly types: readonly string[];
}

let guardRules: GuardRuleFile[] | undefined;

/** The resource type literals in a rule file, in either quote style (ct-autoscaling-pr-5 uses single quotes). */
export function typeLiterals(text: string): string[] {
  return [...new Set([...text.matchAll(/["'](AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)["']/g)].map((m) => m[1]))];
}

/** Every Control Tower guard rule file, read once per process. */
export function guardRuleFiles(): readonly GuardRuleFile[] {
  if (guardRules) return guardRules;
  const files: GuardRuleFile[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {walk(full);} else if (entry.name.endsWith('.guard')) {
        const text = fs.readFileSync(full, 'utf8');
        files.push({ file: full, text, types: typeLiterals(text) });
      }
    }
  };
  walk(GUARD_RULES_DIR);
  return (guardRules = files);
}

/**
 * The guard rule files that can find anything in `template`: those naming one of its resource types. A Control Tower
 * rule selects the resources it checks by a type it names (`Resources.*[ Type == %X ]`; test/compliance/guard-rules
 * .test.ts holds every rule file to that), so a rule naming none of a template's types passes it by construction
 * (TOOLCHAIN.md trap 15: same result, faster).
 */
function relevantGuardRules(template: TemplateRef): string[] {
  const types = new Set(Object.values<any>(template.template.Resources ?? {}).map((r) => r.Type));
  return guardRuleFiles().filter((r) => r.types.some((t) => types.has(t))).map((r) => r.file);
}

/**
 * Control Tower findings, one cfn-guard run per set of relevant rules. Every rule over every template took 30 s for a
 * 1,000-route API whose ten nested route templates (methods, resources, models) no rule applies to.
 */
function guardFindings(templates: TemplateRef[], index: Map<string, CfnResource>): ComplianceFinding[] {
  const runs = new Map<string, { rules: string[]; files: string[] }>();
  for (const t of templates) {
    const rules = relevantGuardRules(t);
    if (rules.length === 0) continue;
    const run = runs.get(rules.join('\n')) ?? { rules, files: [] };
    run.files.push(t.file);
    runs.set(rules.join('\n'), run);
  }
  const violations = [...runs.values()].flatMap(({ rules, files }) => {
    const validator = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules, maxBuffer: 64 * 1024 * 1024 });
    return validator.validate({ templatePaths: files } as any).violations;
  });
  const out: ComplianceFinding[] = [];
  for (const violation of violations) {
    const controlId = controlIdOf(violation.ruleName, violation.description);
    for (const resource of violation.violatingResources) {
      const key = `${path.basename(resource.templatePath)}|${resource.resourceLogicalId}`;
      const construct = index.get(key);
      if (isAcknowledged(construct, [controlId, violation.ruleName])) continue;
      out.push({
        source: 'ControlTower',
        ruleId: controlId,
        resource: construct?.node.path ?? key,
        message: firstLine(violation.description),
      });
    }
  }
  return out;
}

/** `[CT.KMS.PR.3]: ...` -> `CT.KMS.PR.3`; falls back to the rule name. */
function controlIdOf(ruleName: string, description: string | undefined): string {
  const m = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(description ?? '');
  return m ? m[1] : ruleName;
}

/**
 * One checker for the whole test process: it keeps its WebAssembly engine while the templates' resource types are
 * covered and frees it before building a larger one. A checker per call would leave one engine per call behind, and
 * the engines' creation slows down as their memory grows (a 21-test file took 32 minutes).
 */
let templateChecker: CloudFormationValidatePlugin | undefined;

function templateCheckerFindings(templates: TemplateRef[], index: Map<string, CfnResource>): ComplianceFinding[] {
  const plugin = (templateChecker ??= new CloudFormationValidatePlugin());
  const report = plugin.validate({
    templatePaths: templates.map((t) => t.file),
    stackTemplates: templates.map((t) => ({ templatePath: t.file, stackPath: t.file })),
  } as any);
  const out: ComplianceFinding[] = [];
  for (const violation of report.violations) {
    for (const resource of violation.violatingResources) {
      const key = `${path.basename(resource.templatePath ?? '')}|${resource.resourceLogicalId}`;
      const construct = index.get(key);
      if (isAcknowledged(construct, [violation.ruleName])) continue;
      out.push({
        source: 'CfnTemplateChecker',
        ruleId: violation.ruleName,
        resource: construct?.node.path ?? key,
        message: `${violation.severity ?? ''} ${firstLine(violation.description)}`.trim(),
      });
    }
  }
  return out;
}

/**
 * DeployReadinessCheck over the stack's template (it finds the nested ones itself). The validation framework drops
 * a plugin finding acknowledged as exactly `DeployReadiness::<rule id>` on the resource or a parent: so does this.
 */
function deployReadinessFindings(stack: Stack, templates: TemplateRef[], index: Map<string, CfnResource>): ComplianceFinding[] {
  if (templates.length === 0) return [];
  const own = templates[0].file;
  const report = new DeployReadinessCheck().validate({
    templatePaths: [own],
    stackTemplates: [{ templatePath: own, stackConstructPath: stack.node.path, accountId: undefined, region: undefined }],
    appConstruct: stack.node.root,
  });
  const out: ComplianceFinding[] = [];
  for (const violation of report.violations) {
    for (const resource of violation.violatingResources) {
      const construct = index.get(`${path.basename(resource.templatePath ?? '')}|${resource.resourceLogicalId}`);
      const id = `DeployReadiness::${violation.ruleName}`;
      let acknowledged = false;
      for (let c: IConstruct | undefined = construct; c && !acknowledged; c = c.node.scope) {
        acknowledged = c.node.metadata.some((e) => e.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && e.data && id in e.data);
      }
      if (acknowledged) continue;
      const where = resource.constructPath ?? construct?.node.path ?? '?';
      out.push({ source: 'DeployReadiness', ruleId: violation.ruleName, resource: where, message: firstLine(violation.description.replace(`${where}: `, '')) });
    }
  }
  return out;
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0].slice(0, 200);
}

/**
 * Turns CDK's validation (the built-in template checker among it) on for the tests of the calling `describe`
 * block: the suite runs with CDK_VALIDATION=false (TOOLCHAIN.md trap 3), restored afterwards.
 */
export function withValidationOn(): void {
  const previous = process.env.CDK_VALIDATION;
  beforeAll(() => {
    process.env.CDK_VALIDATION = 'true';
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
  });
}

/** A new App whose synthesis writes inside the checkout's temp folder (TOOLCHAIN.md trap 12). */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context });
}
