/** The operations of a served OpenAPI document, in the shape the request generator needs. */
export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
}

export interface ApiOperation {
  /** `POST /v1/vms/{id}/actions` */
  route: string;
  method: string;
  path: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  /** the JSON body's schema, $refs resolved; undefined when the operation takes no body */
  body?: Schema;
  public: boolean;
}

export function apiOperations(doc: any): ApiOperation[] {
  const resolve = (s: any, seen = new Set<string>()): Schema => {
    if (!s || typeof s !== 'object') return {};
    if (typeof s.$ref === 'string') {
      const name = s.$ref.replace('#/components/schemas/', '');
      // a schema that refers to itself stops at the second visit
      if (seen.has(name)) return { type: 'object' };
      return resolve(doc.components.schemas[name], new Set([...seen, name]));
    }
    const out: Schema = { ...s };
    if (s.properties)
      out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, resolve(v, seen)]));
    if (s.items) out.items = resolve(s.items, seen);
    if (s.additionalProperties && typeof s.additionalProperties === 'object')
      out.additionalProperties = resolve(s.additionalProperties, seen);
    return out;
  };
  return Object.entries<any>(doc.paths).flatMap(([path, ops]) =>
    Object.entries<any>(ops).map(([method, op]) => {
      const params: any[] = op.parameters ?? [];
      const body = op.requestBody?.content?.['application/json']?.schema;
      return {
        route: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: resolve(p.schema) })),
        ...(body ? { body: resolve(body) } : {}),
        public: !op.security?.length,
      };
    }),
  );
}
