/**
 * The synthesized templates the deploy-readiness rules read: every stack's template and, below it, every nested
 * template, found through the `*.assets.json` manifest next to the template (a nested template is a file asset
 * whose hash is in its `AWS::CloudFormation::Stack` resource's TemplateURL). Internal.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A CloudFormation resource as it appears in a template. */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly DependsOn?: string | string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Metadata?: Record<string, any>;
}

/** A template's parts the rules read. */
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResourceJson>;
  readonly Parameters?: Record<string, unknown>;
  readonly Outputs?: Record<string, { readonly Value?: unknown }>;
}

/** One template file of the cloud assembly. */
export interface TemplateFile {
  /** Absolute path. */
  readonly path: string;
  /** File name (unique in an assembly directory). */
  readonly name: string;
  readonly template: CfnTemplate;
  /** The parent template's `AWS::CloudFormation::Stack` resource, for a nested template. */
  readonly parent?: { readonly file: TemplateFile; readonly logicalId: string };
}

/** One resource of one template. */
export interface ResourceRef {
  readonly file: TemplateFile;
  readonly logicalId: string;
  readonly resource: CfnResourceJson;
}

/** Finds the construct path of a resource, when the construct tree knows it. */
export type ConstructPathLookup = (fileName: string, logicalId: string) => string | undefined;

const NESTED_TYPE = 'AWS::CloudFormation::Stack';

/** Every template reachable from the given stack templates, with lookups the rules share. */
export class TemplateSet {
  /** Loads the templates at `templatePaths` and the nested templates below them. */
  public static load(templatePaths: readonly string[], lookup: ConstructPathLookup = () => undefined): TemplateSet {
    const files: TemplateFile[] = [];
    const nested = new Map<string, TemplateFile>();
    const queue: TemplateFile[] = [];
    for (const templatePath of templatePaths) {
      const file = readTemplate(templatePath);
      files.push(file);
      queue.push(file);
    }
    while (queue.length > 0) {
      const file = queue.shift()!;
      const assets = assetTemplates(path.dirname(file.path));
      for (const [logicalId, resource] of Object.entries(file.template.Resources ?? {})) {
        if (resource.Type !== NESTED_TYPE) continue;
        const hash = /([a-f0-9]{64})\.json/.exec(JSON.stringify(resource.Properties?.TemplateURL ?? ''))?.[1];
        const childPath = hash ? assets.get(hash) : undefined;
        if (!childPath || !fs.existsSync(childPath)) continue;
        const child = { ...readTemplate(childPath), parent: { file, logicalId } };
        nested.set(`${file.name}|${logicalId}`, child);
        files.push(child);
        queue.push(child);
      }
    }
    return new TemplateSet(files, nested, lookup);
  }

  private readonly byType = new Map<string, ResourceRef[]>();

  private constructor(
    public readonly files: readonly TemplateFile[],
    private readonly nested: Map<string, TemplateFile>,
    private readonly lookup: ConstructPathLookup,
  ) {
    for (const file of files) {
      for (const [logicalId, resource] of Object.entries(file.template.Resources ?? {})) {
        const list = this.byType.get(resource.Type) ?? [];
        list.push({ file, logicalId, resource });
        this.byType.set(resource.Type, list);
      }
    }
  }

  /** Every resource of the given types, in every template. */
  public resources(...types: string[]): ResourceRef[] {
    return types.flatMap((t) => this.byType.get(t) ?? []);
  }

  /** A resource of `file` by logical id. */
  public resource(file: TemplateFile, logicalId: string): ResourceRef | undefined {
    const resource = file.template.Resources?.[logicalId];
    return resource ? { file, logicalId, resource } : undefined;
  }

  /** The template of an `AWS::CloudFormation::Stack` resource, when it is part of the assembly. */
  public nestedTemplate(ref: ResourceRef): TemplateFile | undefined {
    return this.nested.get(`${ref.file.name}|${ref.logicalId}`);
  }

  /** The nested-stack resources that contain `file`, innermost first. */
  public ancestors(file: TemplateFile): ResourceRef[] {
    const out: ResourceRef[] = [];
    for (let f: TemplateFile | undefined = file; f?.parent; f = f.parent.file) {
      const parent = this.resource(f.parent.file, f.parent.logicalId);
      if (parent) out.push(parent);
    }
    return out;
  }

  /** The construct path of a resource: from the construct tree, else from `aws:cdk:path` metadata. */
  public constructPath(ref: ResourceRef): string | undefined {
    return this.lookup(ref.file.name, ref.logicalId) ?? ref.resource.Metadata?.['aws:cdk:path'];
  }

  /** How a resource is named in messages: its construct path, else template and logical id. */
  public describe(ref: ResourceRef): string {
    return this.constructPath(ref) ?? `${ref.file.name}/${ref.logicalId}`;
  }
}

function readTemplate(templatePath: string): TemplateFile {
  const template = JSON.parse(fs.readFileSync(templatePath, 'utf8')) as CfnTemplate;
  return { path: templatePath, name: path.basename(templatePath), template };
}

/** Asset object key hash -> template path, from every `*.assets.json` of a directory. */
function assetTemplates(dir: string): Map<string, string> {
  const map = new Map<string, string>();
  if (!fs.existsSync(dir)) return map;
  for (const manifest of fs.readdirSync(dir).filter((f) => f.endsWith('.assets.json'))) {
    const files = JSON.parse(fs.readFileSync(path.join(dir, manifest), 'utf8')).files ?? {};
    for (const entry of Object.values<any>(files)) {
      const source = entry?.source;
      if (source?.packaging !== 'file' || typeof source.path !== 'string' || !source.path.endsWith('.template.json')) continue;
      for (const destination of Object.values<any>(entry.destinations ?? {})) {
        const hash = /([a-f0-9]{64})\.json$/.exec(String(destination?.objectKey ?? ''))?.[1];
        if (hash) map.set(hash, path.join(dir, source.path));
      }
    }
  }
  return map;
}
