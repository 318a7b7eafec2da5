/**
 * `$ref` resolution inside one OpenAPI document: local JSON pointers (`#/components/schemas/Pet`,
 * `#/components/pathItems/Item`, `#/paths/~1pets/get/parameters/0`), as RFC 6901 spells them (`~1` is `/`, `~0` is `~`,
 * percent-encoding as in URI fragments). References to other files or URLs cannot be resolved at synth time and are
 * refused. Internal to the OpenAPI import.
 */

/** Why a reference cannot be resolved, or the value it points to. */
export type Resolved = { readonly value: unknown } | { readonly error: string };

/** Resolves a local `$ref` against the document. */
export function resolvePointer(document: unknown, ref: unknown): Resolved {
  if (typeof ref !== 'string') return { error: 'must be a string' };
  if (!ref.startsWith('#')) return { error: 'must point into this document (#/...): references to other files or URLs are not resolved' };
  if (ref === '#') return { value: document };
  if (!ref.startsWith('#/')) return { error: 'must be a JSON pointer such as #/components/schemas/Pet' };
  let node: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    let token: string;
    try {
      token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return { error: `has a malformed part ${JSON.stringify(raw)}` };
    }
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, token)) {
      return { error: 'points to nothing in the document' };
    }
    node = (node as Record<string, unknown>)[token];
  }
  return { value: node };
}

/** Whether a value is a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
