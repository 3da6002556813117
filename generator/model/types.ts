// The intermediate representation (IR). Every emitter reads only these types, never raw YAML:
// the model stage has already resolved calls, bound parameters, merged equivalent paths and
// derived hints, so emitters only decide how things are written.

/** Where something came from in the spec, for warnings raised after the model is built. */
interface Origin {
  line: number;
  col: number;
}

export type ParamType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';

/** A JSON Schema fragment, as emitted into validators and OpenAPI. */
export type JsonSchema = Record<string, unknown>;

/**
 * A string that may hold `{{…}}` placeholders, split into parts. A `secret` part reads a bind
 * variable (an environment variable at run time); an `input` part reads an exposed input.
 */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'secret'; variable: string }
  | { kind: 'input'; name: string }
  /** `{{step-name.a.b}}` inside an orchestration: a field of an earlier step's output. */
  | { kind: 'step'; ref: StepRef };

export interface Template {
  parts: TemplatePart[];
}

/** An environment variable the generated server reads at start-up. */
export interface EnvVar {
  /** The environment variable's name. */
  name: string;
  /** Why it is read, for the generated README and error messages. */
  purpose: string;
  secret: boolean;
}

// ---------------------------------------------------------------------------------------------
// Consumed side

export type ParamLocation = 'path' | 'query' | 'header' | 'cookie' | 'body';

export interface ConsumedParam {
  /** The parameter's name exactly as in the spec; it is also the property name in the client. */
  name: string;
  in: ParamLocation;
  type: ParamType;
  description?: string;
  required: boolean;
  /** A fixed value or template from the spec: the parameter is then not a client argument. */
  value?: Template;
  /**
   * The spec's `value` when it reads the caller's names (`q: {value: '{{userId}}'}`): the
   * parameter stays a client argument, and each caller fills it from this template over its
   * `with` entries and inputs. It wins over `with` and the input of the same name, as in the engine.
   */
  feed?: Template;
  /**
   * A structured `value` (an object or array, google-analytics/compliance.yaml:113): JSON whose
   * strings are templates over the caller's names, filled by each caller as `feed` is.
   */
  feedJson?: JsonTemplate;
  /**
   * Not declared: a `with` key of some caller (sent as a query parameter). Only the callers whose
   * `with` names it send it; it is no input of the others.
   */
  withOnly?: boolean;
  /** JSON Schema of one value, for validators. */
  schema: JsonSchema;
  /**
   * The value's schema from an OpenAPI document (`--openapi`), with references to the named
   * schemas of `Capability.schemas` (`{$ref: '#/$defs/Image'}`); types are printed from it.
   */
  typed?: JsonSchema;
}

/** Credentials: sent to a consumed API, or required from callers of an exposed adapter. */
export type Auth =
  | { kind: 'apikey'; placement: 'header' | 'query'; name: string; value: Template }
  | { kind: 'bearer'; token: Template }
  | { kind: 'basic'; username: Template; password: Template };

/** A request body built from the operation's `body:` field; its placeholders read parameters. */
export type BodyTemplate =
  | { kind: 'json'; data: JsonTemplate }
  /**
   * Text sent with `contentType`, each placeholder's value written as it is or, with `escape`,
   * as XML text (`xml`) or a form-encoded value (`form`, a pre-encoded form string).
   */
  | { kind: 'text'; contentType: string; text: Template; escape?: 'xml' | 'form' }
  /** application/x-www-form-urlencoded fields, encoded by the runtime. */
  | { kind: 'form'; fields: BodyField[] }
  /** multipart/form-data parts; a part with `filename` or `contentType` is a file. */
  | { kind: 'multipart'; parts: BodyField[] };

/**
 * A form field or multipart part. A value that is one placeholder passes the input as it is (an
 * array repeats the field); any other is its rendered text.
 */
export interface BodyField {
  name: string;
  value: Template;
  filename?: Template;
  contentType?: Template;
}

/** JSON with templated strings. A string that is exactly one `{{x}}` keeps x's JSON type. */
export type JsonTemplate =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'template'; template: Template }
  | { kind: 'array'; items: JsonTemplate[] }
  | { kind: 'object'; entries: { key: string; value: JsonTemplate }[] };

export interface ConsumedOperation {
  name: string;
  /** The client method's identifier. */
  ident: string;
  /** The TypeScript type name for its parameters, e.g. `ListimagesParams`. */
  paramsType: string;
  method: HttpMethod;
  description?: string;
  /** The path relative to the API's base URI, split into literal text and parameter names. */
  path: PathPart[];
  params: ConsumedParam[];
  body?: BodyTemplate;
  /** A non-JSON `outputRawFormat`: the answer is converted to JSON before any mapping. */
  format?: ResponseFormat;
  /** The success answer, from an OpenAPI document: named-reference form and descriptive form. */
  response?: { status: string; typed: JsonSchema; schema: JsonSchema };
  /**
   * Named outputParameters (`{name, value: "$.x"}`): as a step of an orchestration, its output is
   * this projection (each element augmented with it when the answer is an array). Unused by
   * simple calls, as in the engine.
   */
  projection?: { name: string; path: string }[];
  origin: Origin;
}

export type ResponseFormat =
  | { kind: 'xml' | 'yaml' | 'markdown' | 'text' }
  /**
   * A binary format read with the schema file `outputSchema` names (embedded in client.ts);
   * `decoder` is the module-level constant that holds the decoder built from it.
   */
  | { kind: 'avro'; schema: object; file: string; decoder: string }
  | { kind: 'protobuf'; schema: string; file: string; decoder: string }
  | { kind: 'delimited'; separator: ',' | '\t' | '|' }
  | { kind: 'html'; selector?: string };

export type PathPart = { kind: 'text'; text: string } | { kind: 'param'; name: string };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface ConsumedApi {
  namespace: string;
  /** Client class/factory identifiers. */
  className: string;
  factoryName: string;
  /** Identifier of the client instance inside generated adapters, e.g. `instanceImages`. */
  ident: string;
  /** The environment variable that overrides `baseUri`. */
  baseUrlEnv: string;
  /** The environment variable that sets the default time limit of a call, in milliseconds. */
  timeoutEnv: string;
  /** The environment variable that caps the size of an answer, in bytes. */
  maxResponseEnv: string;
  /** The environment variable that caps the Retry-After wait of a retried GET, in milliseconds. */
  retryAfterEnv: string;
  baseUri: Template;
  description?: string;
  auth?: Auth;
  /** Consumes-level headers and query parameters sent on every call. */
  fixedParams: ConsumedParam[];
  operations: ConsumedOperation[];
  /**
   * The bind variables its client resolves at start-up: those its own templates read and those
   * the `with` templates of its callers read. Filled in by model/build.ts.
   */
  secrets: { variable: string; env: string }[];
}

// ---------------------------------------------------------------------------------------------
// Exposed side (shared by REST and MCP)

/** One input of an exposed operation or tool. */
export interface ExposedInput {
  /** The name callers use: the REST parameter name or the MCP argument name. */
  name: string;
  in: 'path' | 'query' | 'header' | 'body' | 'argument';
  type: ParamType;
  description?: string;
  required: boolean;
  schema: JsonSchema;
  /** The OpenAPI schema of the parameter it feeds (see ConsumedParam.typed). */
  typed?: JsonSchema;
}

/** How one consumed parameter gets its value for a call. */
export type ArgValue =
  | { kind: 'input'; name: string }
  | { kind: 'template'; template: Template }
  | { kind: 'literal'; value: string | number | boolean | null }
  /** A structured `with` value or parameter `value`: JSON whose strings may read inputs. */
  | { kind: 'json'; data: JsonTemplate };

export interface CallBinding {
  /** The consumed API called: its client is `api.ident`. */
  api: ConsumedApi;
  /** The operation called: its client method is `operation.ident`. */
  operation: ConsumedOperation;
  /** Consumed parameter name → where its value comes from. */
  args: { param: string; value: ArgValue }[];
  /**
   * The caller's inputs are exactly the operation's own parameters (same names, types and
   * required flags), so they are handed to the client as they arrive, with no mapping.
   */
  direct: boolean;
}

/**
 * The output mapping. `passthrough` returns the upstream body unchanged; `mapped` builds a new
 * JSON value from the upstream body with JSONPath expressions.
 */
export type OutputMapping = { kind: 'passthrough' } | { kind: 'mapped'; shape: OutputShape };

export type OutputShape =
  | { kind: 'value'; path: string; type: ParamType }
  | { kind: 'const'; value: Template }
  | { kind: 'object'; path?: string; properties: { name: string; shape: OutputShape }[] }
  | { kind: 'array'; path: string; items?: OutputShape };

/**
 * What an exposed operation or tool does when called. Exactly one of a `call`, a `mock` or
 * `steps` is set on RestOperation and McpTool; see `callsOf` (model/actions.ts).
 */
export interface Action {
  /** One call to a consumed operation, its answer shaped by `output`. */
  call?: CallBinding;
  /** Mock mode: the answer is built from the inputs alone; nothing upstream is called. */
  mock?: MockValue & { kind: 'object' };
  /** Orchestration: consumed calls and lookups in order, then the mapped result. */
  steps?: Orchestration;
  /** `crew-resolver.resolve-crew-for-ship`: the aggregate function the unit runs through `ref`. */
  ref?: string;
}

/**
 * A mock answer, as the engine builds it from outputParameters' `value`s: every leaf is a string
 * (static text, or `{{input}}` placeholders), objects keep only their non-empty properties, and an
 * array holds one representative item.
 */
export type MockValue =
  | { kind: 'text'; template: Template }
  | { kind: 'object'; properties: { name: string; value: MockValue }[] }
  | { kind: 'array'; item?: MockValue };

/** `$.get-ship.dimensions.length` in an orchestration: step `get-ship`, then `dimensions.length`. */
export interface StepRef {
  step: string;
  path: string[];
}

export type Step =
  | {
      kind: 'call';
      name: string;
      /** The variable that holds its result in the generated code. */
      ident: string;
      call: CallBinding;
    }
  | {
      kind: 'lookup';
      name: string;
      ident: string;
      /** The earlier step whose output (an array of rows) is searched. */
      index: string;
      /** The row field compared with the lookup value. */
      match: string;
      /** A step reference (an array looks up each element) or a template over the inputs. */
      value: { kind: 'ref'; ref: StepRef } | { kind: 'template'; template: Template };
      /** Fields kept from each matching row (missing ones are null). */
      fields: string[];
    };

/** The result of `mappings`: dotted target names become nested objects. */
export type MappedNode =
  { kind: 'ref'; ref: StepRef } | { kind: 'object'; entries: { name: string; value: MappedNode }[] };

export interface Orchestration {
  steps: Step[];
  /** Absent without `mappings`: the answer is the last call step's, shaped by `output`. */
  result?: MappedNode & { kind: 'object' };
}

export interface RestOperation extends Action {
  name: string;
  ident: string;
  method: HttpMethod;
  description?: string;
  inputs: ExposedInput[];
  output: OutputMapping;
  /** What the route answers, when an OpenAPI document says (narrowed by a mapped output). */
  outputSchema?: JsonSchema;
  /**
   * The schemas.ts names its route validates with (see model/schemas.ts); a required whole body
   * whose schema nothing shares is `inlineBody`.
   */
  schemas?: {
    params?: string;
    querystring: string;
    headers?: string;
    body?: string;
    inlineBody?: JsonSchema;
  };
  origin: Origin;
}

/** All operations that share one path template, after equivalent paths are merged. */
export interface RestPath {
  /** The path as published in OpenAPI, e.g. `/v1/zones/{zone}/images/{image-id}`. */
  template: string;
  /** The Fastify route, with identifier-safe parameter names, e.g. `/v1/zones/:zone/images/:image_id`. */
  route: string;
  /** Path parameters in order: published name and router name. */
  params: { name: string; routerName: string; description?: string }[];
  /**
   * Segments that mix text and parameters (`{id}:approve`, `companies({id})`): the router matches
   * the whole segment as `routerName` with `pattern`, and the runtime extracts `names` from it.
   */
  segments: { routerName: string; pattern: string; names: string[] }[];
  operations: RestOperation[];
}

export interface RestAdapter {
  namespace: string;
  /** The builder function's identifier, e.g. `createInstanceImagesRestApp`. */
  factoryName: string;
  /** Emitted identifiers: the route table function, its options and clients types, the OpenAPI constant, the app in server.ts. */
  routesName: string;
  optionsName: string;
  clientsName: string;
  openapiConst: string;
  appIdent: string;
  portEnv: string;
  port: number;
  address: string;
  description?: string;
  /** Credentials callers must present; absent means the adapter is open. */
  auth?: Auth;
  paths: RestPath[];
  /** Forward (proxy) resources: what no operation matches under each goes to a consumed API. */
  forwards: RestForward[];
  /** Emitted file name of the OpenAPI document. */
  openapiFile: string;
}

/** `resources[].forward`: requests under `prefix` that no operation matched go to `api`. */
export interface RestForward {
  /** The literal part of the resource path before its trailing placeholder: `/notion/`. */
  prefix: string;
  /** The resource path as written, with its placeholder: `/notion/{path}`. */
  template: string;
  /** The placeholder's name (`path`). */
  placeholder: string;
  /** The target consumed API: its client is `api.ident`. */
  api: ConsumedApi;
  /** Request headers copied to the target; no other is. */
  trustedHeaders: string[];
  description?: string;
  origin: Origin;
}

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface McpTool extends Action {
  name: string;
  title?: string;
  description: string;
  inputs: ExposedInput[];
  annotations: ToolAnnotations;
  output: OutputMapping;
  /** The tool's structured result, when an OpenAPI document says (narrowed by a mapped output). */
  outputSchema?: JsonSchema;
  /** The schemas.ts object its arguments are validated with (see model/schemas.ts). */
  inputSchemaName?: string;
  /** mcp.ts's interface of its arguments, unless they are the called operation's own parameters. */
  argsType?: string;
  /** mcp.ts's compiled output schema, for a typed or mapped result (absent: pass-through). */
  outputSchemaName?: string;
  origin: Origin;
}

/** An MCP resource: read through a consumed operation (dynamic), or the files of a folder (static). */
export type McpResource =
  | {
      kind: 'dynamic';
      name: string;
      title?: string;
      /** `data://users/{userId}/profile`: `{x}` placeholders make it a resource template. */
      uri: string;
      description?: string;
      mimeType?: string;
      /** The URI's placeholders: the inputs a read supplies. */
      inputs: ExposedInput[];
      call: CallBinding;
      output: OutputMapping;
      origin: Origin;
    }
  | {
      kind: 'static';
      name: string;
      title?: string;
      uri: string;
      description?: string;
      mimeType?: string;
      /** `file:///…` folder; its files are the resources `<uri>/<relative path>`. */
      location: string;
    };

/** An MCP prompt: messages with `{{argument}}` placeholders, or one file that becomes a user message. */
export interface McpPrompt {
  name: string;
  title?: string;
  description?: string;
  arguments: { name: string; description?: string; required: boolean }[];
  messages: { role: 'user' | 'assistant'; content: string }[] | { location: string };
}

export interface McpAdapter {
  namespace: string;
  /** The server factory's identifier, e.g. `createInstanceImagesMcpServer`. */
  factoryName: string;
  /**
   * Emitted identifiers: the tool table and resource list functions, the prompts constant, the
   * options and clients types, and server.ts's locals holding the built tools and resources.
   */
  toolsName: string;
  resourcesName: string;
  promptsName: string;
  optionsName: string;
  clientsName: string;
  toolsIdent: string;
  resourcesIdent: string;
  portEnv: string;
  port: number;
  address: string;
  transport: 'http' | 'stdio';
  description?: string;
  /** Credentials callers must present over HTTP; absent means the adapter is open. */
  auth?: Auth;
  tools: McpTool[];
  resources: McpResource[];
  prompts: McpPrompt[];
}

/** A tool a skill lists: derived from a sibling adapter's tool or operation, or an instruction file. */
export type SkillTool =
  | { name: string; description?: string; from: { sourceNamespace: string; action: string } }
  | { name: string; description?: string; instruction: string };

export interface Skill {
  name: string;
  description?: string;
  /** The optional catalog fields the spec sets (license, metadata, …), shown as written. */
  details: Record<string, unknown>;
  /** `file:///…` folder whose files the skill serves under /skills/{name}/contents. */
  location?: string;
  tools: SkillTool[];
}

/** A read-only skill catalog on its own port (`exposes: type: skill`). */
export interface SkillAdapter {
  namespace: string;
  /** Identifier of the catalog constant in skills.ts, e.g. `shipyardSkillsCatalog`. */
  catalogName: string;
  /** Identifier of its app in server.ts, e.g. `shipyardSkillsApp`. */
  appIdent: string;
  /** The OpenAPI document of its catalog routes, served at GET /openapi.json. */
  openapiFile: string;
  portEnv: string;
  port: number;
  address: string;
  description?: string;
  auth?: Auth;
  skills: Skill[];
  /** Sibling adapter namespace → its exposes type, for each tool's `invocationRef.mode`. */
  modes: Record<string, string>;
}

/** The management plane (`exposes: type: control`): health, status, metrics and traces. */
export interface ControlAdapter {
  portEnv: string;
  port: number;
  address: string;
  auth?: Auth;
  /** /health/live and /health/ready (default on). */
  health: boolean;
  /** /status (default off). */
  info: boolean;
  /** /metrics in Prometheus text format (default on). */
  metrics: boolean;
  /** /traces and /traces/{id} (default on). */
  traces: boolean;
  /** How many recent traces the ring keeps (default 100). */
  traceBuffer: number;
}

export interface Capability {
  /** Output folder name, from the spec file name. */
  name: string;
  title: string;
  description?: string;
  specFile: string;
  apis: ConsumedApi[];
  rest: RestAdapter[];
  mcp: McpAdapter[];
  skill: SkillAdapter[];
  /** At most one control adapter. */
  control?: ControlAdapter;
  /** Every environment variable the generated server reads. */
  env: EnvVar[];
  /** Bind variable name → environment variable that supplies it. */
  secrets: { variable: string; env: string }[];
  /**
   * Named schemas from OpenAPI documents (`--openapi`), by TypeScript type name, in first-use
   * order; references between them are `{$ref: '#/$defs/Name'}`. Empty without `--openapi`.
   */
  schemas: Map<string, JsonSchema>;
  /** The OpenAPI documents that typed the model, as given on the command line. */
  openapiFiles: string[];
  /** File binds the server reads at start-up, for the variables it uses. */
  bindFiles: BindFile[];
  /** schemas.ts: the input schemas of the REST routes and MCP tools, each once. */
  schemaModule: SchemaModule;
}

/** An object of inputs in schemas.ts: each property refers to a shared value schema or holds its own. */
export interface SchemaObject {
  name: string;
  properties: { key: string; schema: JsonSchema; ref?: string }[];
  required: string[];
  /** Other properties are allowed (headers, a body's fields, a mixed path segment). */
  open: boolean;
  /**
   * A run of `count` properties from `at` that are an earlier object's whole property list: they
   * are written as that object's properties, spread, rather than again.
   */
  spread?: { from: string; at: number; count: number };
}

export interface SchemaModule {
  /** Value schemas used by two or more inputs, in first-use order. */
  values: { name: string; schema: JsonSchema }[];
  objects: SchemaObject[];
}

/**
 * A bind whose values are in a JSON or YAML map file. At start-up the server reads `key` from the
 * file for each variable, unless the environment variable of the variable's own name is set.
 */
export interface BindFile {
  namespace: string;
  /** Absolute, or relative to the server's working directory (`./shared/secrets.yaml`). */
  path: string;
  keys: { variable: string; key: string }[];
}
