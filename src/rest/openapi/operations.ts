/**
 * The operations of an OpenAPI document, in document order: path items resolved (3.1 `$ref`s to
 * `components.pathItems`), extensions skipped, ANY routes read back from the export's marker (or API Gateway's
 * `x-amazon-apigateway-any-method`), TRACE refused by name, and every operation named. Internal to the OpenAPI import.
 *
 * Names: the `operationId` stays the key of the integrations map; when it is not an identifier (`find pet by id`,
 * `post-createPermit`) the route's operationName is derived from it (`findPetById`, `postCreatePermit`); an operation
 * without one is keyed and named by method and path (`postStreams`), as the export names routes.
 */
import { ANY_METHOD_EXTENSION, AWS_ANY_METHOD, CONCRETE_METHODS } from './names';
import { isObject, resolvePointer } from './pointer';
import { OPERATION_NAME, defaultOperationName } from '../routes';

/** One operation of the document. */
export interface DocumentOperation {
  /** `GET`, ..., or `ANY`. */
  readonly method: string;
  /** The path as the document spells it. */
  readonly path: string;
  readonly operation: Record<string, any>;
  /** The resolved path item (its `parameters` apply to the operation). */
  readonly item: Record<string, any>;
  /** The operation's key in the integrations map: its operationId, or the derived name. */
  readonly key: string;
  /** Whether the document gives no operationId. */
  readonly derivedKey: boolean;
  /** The route's operation name (an identifier). */
  readonly operationName: string;
  /** `openApi operation GET /pets/{id} (find pet by id)`: the prefix of every error about it. */
  readonly where: string;
}

type Fail = (prop: string, value: unknown, allowed: string) => never;

/** Path item fields that are not operations. */
const ITEM_FIELDS = new Set(['$ref', 'summary', 'description', 'servers', 'parameters']);

/** Reads the operations; `fail` throws naming the prop. */
export function documentOperations(
  document: Record<string, any>,
  fail: Fail,
  note: (id: string, item: string) => void,
): DocumentOperation[] {
  const found: Array<Omit<DocumentOperation, 'key' | 'derivedKey' | 'operationName' | 'where'>> = [];
  for (const [path, raw] of Object.entries<any>(document.paths ?? {})) {
    if (path.startsWith('x-')) continue;
    const item = pathItem(document, path, raw, fail);
    const anyGroups = new Map<string, string[]>();
    for (const [key, op] of Object.entries<any>(item)) {
      if (ITEM_FIELDS.has(key) || (key.startsWith('x-') && key !== AWS_ANY_METHOD)) continue;
      const method = key === AWS_ANY_METHOD ? 'ANY' : key.toUpperCase();
      if (key === 'trace') fail(`openApi operation TRACE ${path}`, op?.operationId, 'API Gateway REST APIs have no TRACE method: remove the operation');
      if (method !== 'ANY' && !CONCRETE_METHODS.includes(key)) fail(`openApi paths ${path}`, key, 'is not a path item field (methods are lower case)');
      if (!isObject(op)) fail(`openApi operation ${method} ${path}`, op, 'must be an operation object');
      if (op.callbacks !== undefined) note('OpenApiWebhooksNotImported', `callbacks ${Object.keys(op.callbacks).join(', ')} of ${method} ${path}`);
      const anyOf = op[ANY_METHOD_EXTENSION];
      if (typeof anyOf === 'string') {
        // The export spells an ANY route as every concrete method, each marked with the route's operationId.
        anyGroups.set(anyOf, [...(anyGroups.get(anyOf) ?? []), key]);
        continue;
      }
      found.push({ method, path, operation: op, item });
    }
    for (const [operationId, keys] of anyGroups) {
      if (keys.length !== CONCRETE_METHODS.length) {
        fail(`openApi operation ${path} ${ANY_METHOD_EXTENSION}`, operationId, `must mark all of ${CONCRETE_METHODS.join(', ')} (found ${keys.join(', ')})`);
      }
      found.push({ method: 'ANY', path, operation: { ...item[keys[0]], operationId }, item });
    }
  }
  return named(found, fail);
}

/** A path item, `$ref`s (to `components.pathItems` or elsewhere in the document) resolved. */
function pathItem(document: unknown, path: string, raw: unknown, fail: Fail): Record<string, any> {
  let item = raw;
  const seen: string[] = [];
  while (isObject(item) && item.$ref !== undefined) {
    const ref = item.$ref;
    if (seen.includes(ref)) fail(`openApi paths ${path} $ref`, ref, 'must not be circular');
    seen.push(ref);
    const target = resolvePointer(document, ref);
    if ('error' in target) fail(`openApi paths ${path} $ref`, ref, target.error);
    const { $ref: _ref, ...siblings } = item;
    item = isObject(target.value) ? { ...target.value, ...siblings } : target.value;
  }
  if (!isObject(item)) fail(`openApi paths ${path}`, item, 'must be a path item object');
  return item;
}

/** Keys and operation names, unique in the document. */
function named(
  found: Array<Omit<DocumentOperation, 'key' | 'derivedKey' | 'operationName' | 'where'>>,
  fail: Fail,
): DocumentOperation[] {
  const keys = new Map<string, string>();
  const names = new Set<string>();
  return found.map((f) => {
    const id = f.operation.operationId;
    if (id !== undefined && (typeof id !== 'string' || id === '')) fail(`openApi operation ${f.method} ${f.path} operationId`, id, 'must be a non-empty string');
    const derivedKey = id === undefined;
    const key: string = derivedKey ? defaultOperationName(f.method, f.path) : id;
    const where = `openApi operation ${f.method} ${f.path} (${key})`;
    const other = keys.get(key);
    if (other) {
      fail(`${where} operationId`, key, derivedKey
        ? `is derived for this operation, which has no operationId, and is ${other}'s key too: give one of them an operationId`
        : `must be unique in the document (${other} has it too)`);
    }
    keys.set(key, `${f.method} ${f.path}`);
    const base = OPERATION_NAME.test(key) && key.length <= 128 ? key : identifierOf(key, f.method, f.path);
    let operationName = base;
    for (let n = 2; names.has(operationName); n++) operationName = `${base.slice(0, 124)}${n}`;
    names.add(operationName);
    return { ...f, key, derivedKey, operationName, where };
  });
}

/** `find pet by id` -> `findPetById`, `post-createPermit` -> `postCreatePermit` (at most 128 characters). */
export function identifierOf(id: string, method: string, path: string): string {
  const words = id.split(/[^A-Za-z0-9]+/).filter(Boolean);
  if (words.length === 0) return defaultOperationName(method, path);
  const camel = words.map((w, i) => (i === 0 ? w[0].toLowerCase() + w.slice(1) : w[0].toUpperCase() + w.slice(1))).join('');
  return (/^[0-9]/.test(camel) ? `op${camel}` : camel).slice(0, 128);
}
