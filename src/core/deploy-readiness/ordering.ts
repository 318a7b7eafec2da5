/**
 * Creation order between resources as CloudFormation sees it: a resource starts only after everything it names
 * in `DependsOn`, `Ref`, `Fn::GetAtt` or `Fn::Sub` is complete; a resource of a nested template starts only after
 * everything its `AWS::CloudFormation::Stack` resource depends on, and a nested stack completes only after all
 * of its resources. Internal.
 */
import { getAttParts, isObject } from './intrinsics';
import { ResourceRef, TemplateFile, TemplateSet } from './model';

/** Logical ids a value names through Ref, Fn::GetAtt or Fn::Sub (pseudo parameters excluded). */
export function namesIn(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) namesIn(v, out);
  } else if (isObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') {
        if (!v.startsWith('AWS::')) out.add(v);
      } else if (key === 'Fn::GetAtt') {
        out.add(getAttParts(v)[0]);
      } else if (key === 'Fn::Sub') {
        const [template, variables] = Array.isArray(v) ? v : [v, {}];
        if (typeof template === 'string') {
          for (const m of template.matchAll(/\$\{([^!}][^}]*)\}/g)) {
            const name = m[1].split('.')[0];
            if (!name.startsWith('AWS::') && !(isObject(variables) && m[1] in variables)) out.add(name);
          }
        }
        namesIn(variables, out);
      } else {
        namesIn(v, out);
      }
    }
  }
  return out;
}

const key = (file: TemplateFile, logicalId: string) => `${file.name}|${logicalId}`;

/** Answers "is this resource complete before that one starts?" over a template set. */
export class CreationOrder {
  private readonly direct = new Map<string, ResourceRef[]>();

  constructor(private readonly set: TemplateSet) {}

  /** True when CloudFormation completes `earlier` before it starts `later`. */
  public isBefore(earlier: ResourceRef, later: ResourceRef): boolean {
    const wanted = new Set([earlier, ...this.set.ancestors(earlier.file)].map((r) => key(r.file, r.logicalId)));
    for (const shared of this.set.ancestors(later.file)) wanted.delete(key(shared.file, shared.logicalId));
    return this.closure(later).some((r) => wanted.has(key(r.file, r.logicalId)));
  }

  /** Everything `later` waits for, transitively. */
  public closure(later: ResourceRef): ResourceRef[] {
    const seen = new Set<string>();
    const out: ResourceRef[] = [];
    const queue = [...this.dependencies(later)];
    while (queue.length > 0) {
      const next = queue.pop()!;
      const k = key(next.file, next.logicalId);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(next);
      queue.push(...this.dependencies(next));
    }
    return out;
  }

  /** What a resource waits for directly (its own template), plus what its nested stack waits for. */
  private dependencies(ref: ResourceRef): ResourceRef[] {
    const k = key(ref.file, ref.logicalId);
    let deps = this.direct.get(k);
    if (!deps) {
      const names = namesIn(ref.resource.Properties);
      const dependsOn = ref.resource.DependsOn;
      for (const d of Array.isArray(dependsOn) ? dependsOn : dependsOn ? [dependsOn] : []) names.add(d);
      deps = [...names].map((n) => this.set.resource(ref.file, n)).filter((r): r is ResourceRef => !!r);
      const parent = ref.file.parent ? this.set.resource(ref.file.parent.file, ref.file.parent.logicalId) : undefined;
      if (parent) deps.push(...this.dependencies(parent));
      this.direct.set(k, deps);
    }
    return deps;
  }
}
