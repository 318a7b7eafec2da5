/**
 * Reads a synthesized cloud assembly (a `cdk.out` directory) as CloudFormation would deploy it: every top-level
 * stack of `manifest.json`, and every nested stack found through its `AWS::CloudFormation::Stack` resource, whose
 * `TemplateURL` names an object key that one of the assembly's `*.assets.json` manifests maps to a file of the
 * assembly. Code assets are found the same way, from the S3 key a resource names.
 *
 * Test support only: nothing here is hand-wired to a construct; everything comes from the files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A resource of a template, with where it lives. */
export interface TemplateResource {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, any>;
  readonly metadata: Record<string, any>;
  readonly dependsOn: string[];
  readonly stack: LoadedStack;
}

/** One stack (top-level or nested) and its template. */
export interface LoadedStack {
  /** `Stack` or `Stack/NestedLogicalId/...`. */
  readonly path: string;
  /** The stack name CloudFormation would give it (nested: `parent-logicalId`). */
  readonly stackName: string;
  readonly template: Record<string, any>;
  readonly resources: Map<string, TemplateResource>;
  /** The nested stack's resource in its parent. */
  readonly parent?: { readonly stack: LoadedStack; readonly logicalId: string };
  readonly nested: LoadedStack[];
}

/** A file asset of the assembly. */
export interface FileAsset {
  readonly id: string;
  /** Absolute path of the asset's source (a directory or a file). */
  readonly sourcePath: string;
  readonly packaging: string;
  readonly objectKeys: string[];
}

/** A loaded cloud assembly. */
export interface CloudAssembly {
  readonly dir: string;
  readonly stacks: LoadedStack[];
  /** Asset by the S3 object key a template names (`<hash>.zip`, `<hash>.json`). */
  readonly assetsByObjectKey: Map<string, FileAsset>;
}

/** Every stack of the assembly, nested ones included, parents first. */
export function allStacks(assembly: CloudAssembly): LoadedStack[] {
  const out: LoadedStack[] = [];
  const visit = (s: LoadedStack) => {
    out.push(s);
    s.nested.forEach(visit);
  };
  assembly.stacks.forEach(visit);
  return out;
}

/** Every resource of every stack, optionally of one type. */
export function allResources(assembly: CloudAssembly, type?: string): TemplateResource[] {
  return allStacks(assembly).flatMap((s) => [...s.resources.values()].filter((r) => type === undefined || r.type === type));
}

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function loadAssets(dir: string): Map<string, FileAsset> {
  const byKey = new Map<string, FileAsset>();
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.assets.json'))) {
    const manifest = readJson(path.join(dir, name));
    for (const [id, entry] of Object.entries<any>(manifest.files ?? {})) {
      const objectKeys = Object.values<any>(entry.destinations ?? {}).map((d) => String(d.objectKey));
      const asset: FileAsset = { id, sourcePath: path.resolve(dir, entry.source.path), packaging: entry.source.packaging ?? 'file', objectKeys };
      for (const key of objectKeys) byKey.set(key, asset);
    }
  }
  return byKey;
}

/** The last path segment of an S3 URL or key, as far as it is a literal (`Fn::Join` parts included). */
export function objectKeyOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value.split('/').pop();
  const join = (value as any)?.['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) {
    const last = join[1][join[1].length - 1];
    return typeof last === 'string' ? last.split('/').pop() : undefined;
  }
  return undefined;
}

function loadStack(
  dir: string,
  templateFile: string,
  stackPath: string,
  stackName: string,
  assets: Map<string, FileAsset>,
  parent?: { stack: LoadedStack; logicalId: string },
): LoadedStack {
  const template = readJson(path.join(dir, templateFile));
  const resources = new Map<string, TemplateResource>();
  const stack: LoadedStack = { path: stackPath, stackName, template, resources, parent, nested: [] };
  for (const [logicalId, r] of Object.entries<any>(template.Resources ?? {})) {
    const dependsOn = r.DependsOn === undefined ? [] : Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn];
    resources.set(logicalId, { logicalId, type: r.Type, properties: r.Properties ?? {}, metadata: r.Metadata ?? {}, dependsOn, stack });
  }
  for (const r of resources.values()) {
    if (r.type !== 'AWS::CloudFormation::Stack') continue;
    const fromMetadata = r.metadata['aws:asset:path'];
    const key = objectKeyOf(r.properties.TemplateURL);
    const asset = key ? assets.get(key) : undefined;
    const file = typeof fromMetadata === 'string' ? fromMetadata : asset ? path.relative(dir, asset.sourcePath) : undefined;
    if (!file || !fs.existsSync(path.join(dir, file))) {
      throw new Error(`${stackPath}/${r.logicalId}: nested stack template ${JSON.stringify(key)} is not a file of the assembly`);
    }
    stack.nested.push(loadStack(dir, file, `${stackPath}/${r.logicalId}`, `${stackName}-${r.logicalId}`.slice(0, 128), assets, { stack, logicalId: r.logicalId }));
  }
  return stack;
}

/** Loads the assembly in `dir` (its `manifest.json`, templates and asset manifests). */
export function loadAssembly(dir: string): CloudAssembly {
  const manifest = readJson(path.join(dir, 'manifest.json'));
  const assets = loadAssets(dir);
  const stacks: LoadedStack[] = [];
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly') {
      // A nested assembly (CDK stages): its stacks deploy like the others.
      const inner = loadAssembly(path.join(dir, artifact.properties.directoryName));
      stacks.push(...inner.stacks);
      for (const [k, v] of inner.assetsByObjectKey) assets.set(k, v);
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const name = artifact.properties?.stackName ?? artifact.displayName ?? id;
    stacks.push(loadStack(dir, artifact.properties.templateFile, artifact.displayName ?? id, name, assets));
  }
  return { dir, stacks, assetsByObjectKey: assets };
}
