/**
 * A stateful fake of the Scaleway Instance API v1 *images* endpoints, served over real HTTP.
 *
 * It exists so that end-to-end tests and demos can exercise a client (or a proxy in front of
 * one) against something that answers the way api.scaleway.com does: same routes, same status
 * codes, same headers, same error bodies, real pagination headers, and switchable faults.
 *
 * Fidelity notes (why some things look odd):
 * - Bodies produced by the Instance backend (images, `not_found`, `invalid_arguments`) are
 *   serialised like Python's `json.dumps` defaults (`", "` and `": "` separators, non-ASCII
 *   escaped): recorded Content-Lengths of real Instance responses only match that spacing.
 *   Bodies produced by the API gateway (authentication, unknown zone, rate limit, internal
 *   error, unknown route) are compact with alphabetically sorted keys, as recorded.
 * - Every response carries exactly `Content-Type: application/json` (no charset), even a 204:
 *   the JS SDK only parses bodies whose content type is exactly that string.
 *
 * Standalone use: `npx tsx test/fake/scaleway.ts [--port 4010] [--host 127.0.0.1] [--seed 120]`.
 * Only node built-ins are used (and test/support/secrets.ts, which watches the keys it receives).
 */
import { randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { watchCredentials } from '../support/secrets.js';

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** The secret key accepted by default (send it as `X-Auth-Token`). */
export const FAKE_API_KEY = '5c7a0f4e-2b1d-4c8e-9f3a-6d2e8b1c4a70';
/** Owner of every image created without an explicit organization. */
export const FAKE_ORGANIZATION_ID = '0b6f3a52-7c1e-4d8a-b2f4-9e5d1c3a7f60';
/** Project of every image created without an explicit project. */
export const FAKE_PROJECT_ID = '8e2d4c16-5a3b-4f7e-a9c1-2b6d0e8f4a93';
/** Snapshots that exist from the start, usable as `root_volume` / `extra_volumes[*].id`. */
export const FAKE_SNAPSHOTS: readonly string[] = [
  '3f8a1c2e-6b4d-4e9f-8a7c-1d2e3f4a5b61',
  '7d9e2b4c-1a3f-4c6e-b8d0-2e4f6a8c0b72',
  'c1e3a5b7-9d2f-4a6c-8e0b-3d5f7a9c1e83',
];

/** The ten Instance zones (JS SDK `API.LOCALITY`, Go `scw.AllZones`, OpenAPI enum). */
export const ZONES = [
  'fr-par-1',
  'fr-par-2',
  'fr-par-3',
  'nl-ams-1',
  'nl-ams-2',
  'nl-ams-3',
  'pl-waw-1',
  'pl-waw-2',
  'pl-waw-3',
  'it-mil-1',
] as const;
export type Zone = (typeof ZONES)[number];
/** Zone that seeded images live in. */
export const DEFAULT_ZONE: Zone = 'fr-par-1';

export const ARCHES = ['unknown_arch', 'x86_64', 'arm', 'arm64'] as const;
export type Arch = (typeof ARCHES)[number];

const PUBLIC_BASE_URL = 'https://api.scaleway.com';
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DEFAULT_PER_PAGE = 50;
const MAX_PER_PAGE = 100;
/** Seeded images get fixed dates (one minute apart) so their bodies are reproducible. */
const SEED_EPOCH_MS = Date.UTC(2025, 0, 1);

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/** `root_volume` and `extra_volumes` values as the real API returns them (a summary, not a Volume). */
export interface VolumeSummary {
  id: string;
  name: string;
  volume_type: string;
  size: number;
}

/** An image, with its properties declared in the order the real API sends them. */
export interface FakeImage {
  id: string;
  name: string;
  organization: string;
  project: string;
  root_volume: VolumeSummary;
  extra_volumes: Record<string, VolumeSummary>;
  public: boolean;
  arch: Arch;
  creation_date: string;
  modification_date: string;
  default_bootscript: null;
  from_server: string;
  state: 'available' | 'creating' | 'error';
  tags: string[];
  zone: Zone;
}

export interface RecordedRequest {
  method: string;
  /** Pathname only, as received (not percent-decoded). */
  path: string;
  query: {
    /** Everything after the first `?`, as received ("" if none). */
    raw: string;
    /** `[...new URLSearchParams(raw)]`: decoded pairs, in order, repeats kept. */
    entries: [string, string][];
  };
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

/**
 * A fault switch: `false` = off, `true` = on for every request, `{ times: n }` = on for the next
 * n requests only (the fake counts down and turns the switch back to `false`). An object without
 * `times` is on for every request; extra fields configure the fault.
 */
export type FaultSwitch<Settings extends object = object> = boolean | (Settings & { times?: number });

export interface FaultSwitches {
  /** Delay before answering: a number of milliseconds (0 = off) or `{ ms, times? }`. */
  latencyMs: number | { ms: number; times?: number };
  /** Answer 429 with `Retry-After` and a `too_many_requests` body (default retry after 1 s). */
  rateLimit: FaultSwitch<{ retryAfterSeconds?: number }>;
  /** Answer 500 `{"message":"internal error"}`. */
  serverError: FaultSwitch;
  /**
   * Process the request normally (state changes happen), send the status line, the headers and
   * half of the body, then destroy the socket. With an empty body (204) the cut happens inside
   * the header block instead.
   */
  resetMidBody: FaultSwitch;
  /** Read the request and never answer; the socket stays open until the client or close() ends it. */
  hang: FaultSwitch;
}

export interface FakeScalewayOptions {
  /** 0 (the default) picks an ephemeral port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Secret keys accepted in `X-Auth-Token` (UUIDs). Defaults to `[FAKE_API_KEY]`. */
  apiKeys?: string[];
  /** Snapshot UUIDs that exist (in every zone). Defaults to `FAKE_SNAPSHOTS`. */
  snapshots?: string[];
  /** Number of private images to pre-create in `DEFAULT_ZONE` (`seed-image-001`, …). Default 0. */
  seedImages?: number;
  /** Clock used for creation/modification dates. Defaults to the system clock. */
  now?: () => Date;
  /**
   * The origin of a create's `Location`: `public` (the default) writes `https://api.scaleway.com`,
   * as recorded; `self` writes the fake's own address, as the real API names itself.
   */
  locationOrigin?: 'public' | 'self';
}

export interface FakeScaleway {
  /** e.g. `http://127.0.0.1:43121` — use it in place of `https://api.scaleway.com`. */
  readonly url: string;
  readonly port: number;
  /** The first accepted key, for convenience. */
  readonly apiKey: string;
  /** Every request received, oldest first (including those a fault answered or swallowed). */
  readonly requests: RecordedRequest[];
  /** Mutable fault switches; assign to them at any time. */
  readonly faults: FaultSwitches;
  /** Copies of the stored images, in creation order. */
  images(): FakeImage[];
  /** Back to the starting state: created images removed, seeds restored, log emptied, faults off. */
  reset(): void;
  /** Stops listening and destroys every open socket (keep-alive and hung ones included). */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Serialisation and replies
// ---------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  /** Already serialised; "" for no body. */
  body: string;
  headers?: Record<string, string>;
}

/** JSON the way Python's `json.dumps` writes it by default (the Instance backend's style). */
function pythonJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value) ?? 'null';
    // ensure_ascii=True escapes everything outside printable ASCII.
    return typeof value === 'string'
      ? text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      : text;
  }
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const members = Object.entries(value).map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`);
  return `{${members.join(', ')}}`;
}

/** JSON the way the API gateway writes it: compact, keys sorted. */
function gatewayJson(value: Record<string, unknown>): string {
  const sorted = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(sorted);
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
    );
  };
  return JSON.stringify(sorted(value));
}

const instanceReply = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body: pythonJson(body),
  headers,
});
const gatewayReply = (
  status: number,
  body: Record<string, unknown>,
  headers?: Record<string, string>,
): Reply => ({
  status,
  body: gatewayJson(body),
  headers,
});

// --- the error bodies, one function each so the shapes are easy to audit ---

const unknownZone = (): Reply => gatewayReply(400, { message: 'Unknown zone in path' });

const deniedAuthentication = (reason: 'invalid_argument' | 'not_found'): Reply =>
  gatewayReply(401, {
    message: 'authentication is denied',
    method: 'api_key',
    reason,
    type: 'denied_authentication',
  });

const notFound = (resource: 'instance_image' | 'instance_snapshot', id: string): Reply =>
  instanceReply(404, { type: 'not_found', message: 'resource is not found', resource, resource_id: id });

interface ArgumentError {
  argument_name: string;
  reason: 'unknown' | 'required' | 'format' | 'constraint';
  help_message: string;
}

const invalidArguments = (details: ArgumentError[]): Reply =>
  instanceReply(400, { type: 'invalid_arguments', message: 'invalid argument(s)', details });

/**
 * Unparseable (or non-object) JSON body. Nothing public records the real answer; we use the
 * legacy Instance `invalid_request_error` shape without `fields` (as in its recorded
 * "server should be running" error), which both official SDKs turn into an InvalidRequestError.
 */
const invalidJsonBody = (): Reply =>
  instanceReply(400, { message: 'Invalid JSON body', type: 'invalid_request_error' });

const rateLimited = (retryAfterSeconds: number): Reply =>
  gatewayReply(
    429,
    {
      type: 'too_many_requests',
      message: 'too many requests',
      help_message: 'rate limit exceeded, retry later',
      limit: { quota: 50, window_seconds: 1 },
      reset_seconds: retryAfterSeconds,
    },
    { 'Retry-After': String(retryAfterSeconds) },
  );

const internalError = (): Reply => gatewayReply(500, { message: 'internal error' });

// Not recorded anywhere; a gateway-style body without `type` so SDKs fall back to a generic error.
const routeNotFound = (): Reply => gatewayReply(404, { message: 'route not found' });
const methodNotAllowed = (allow: string[]): Reply =>
  gatewayReply(405, { message: 'method not allowed' }, { Allow: allow.join(', ') });

// ---------------------------------------------------------------------------------------------
// Validation helpers
// ---------------------------------------------------------------------------------------------

const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID_RE.test(v);
const isArch = (v: unknown): v is Arch => typeof v === 'string' && (ARCHES as readonly string[]).includes(v);
const isZone = (v: string): v is Zone => (ZONES as readonly string[]).includes(v);

const notAUuid = (argument: string, value: string): ArgumentError => ({
  argument_name: argument,
  reason: 'constraint',
  help_message: `${value} is not a valid UUID.`,
});
const required = (argument: string): ArgumentError => ({
  argument_name: argument,
  reason: 'required',
  help_message: 'cannot be empty',
});
const wrongType = (argument: string, expected: string): ArgumentError => ({
  argument_name: argument,
  reason: 'format',
  help_message: `must be ${expected}`,
});
const badArch = (value: unknown): ArgumentError => ({
  argument_name: 'arch',
  reason: 'constraint',
  help_message: `${String(value)} is not a valid value, expected one of: ${ARCHES.join(', ')}`,
});

type Body = Record<string, unknown>;

/** Parses a request body that must be a JSON object; `undefined` means "answer invalidJsonBody". */
function parseObject(text: string): Body | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Body) : undefined;
  } catch {
    return undefined;
  }
}

/** JSON `null` means "not set" for the nullable fields, exactly like an absent key. */
const present = (body: Body, key: string): boolean => body[key] !== undefined && body[key] !== null;

/** One checker per body field; each pushes its problems (if the field is present) onto `errors`. */
const FIELD_CHECKS: Record<string, (value: unknown, errors: ArgumentError[]) => void> = {
  name: (v, errors) => {
    if (typeof v !== 'string') errors.push(wrongType('name', 'a string'));
  },
  root_volume: (v, errors) => {
    if (!isUuid(v)) errors.push(notAUuid('root_volume', String(v)));
  },
  arch: (v, errors) => {
    if (!isArch(v)) errors.push(badArch(v));
  },
  extra_volumes: (v, errors) => checkExtraVolumes(v, errors),
  project: (v, errors) => {
    if (!isUuid(v)) errors.push(notAUuid('project', String(v)));
  },
  organization: (v, errors) => {
    if (!isUuid(v)) errors.push(notAUuid('organization', String(v)));
  },
  tags: (v, errors) => {
    if (!Array.isArray(v) || !v.every((t) => typeof t === 'string'))
      errors.push(wrongType('tags', 'an array of strings'));
  },
  public: (v, errors) => {
    if (typeof v !== 'boolean') errors.push(wrongType('public', 'a boolean'));
  },
};

/**
 * Validates `body` field by field, in the order given (the request's documented field order, so
 * `details` come out in a stable, natural order). `mandatory` fields must be present.
 * Fields not listed are ignored, as the real API ignores unknown body keys.
 */
function checkFields(body: Body, fields: string[], mandatory: string[] = []): ArgumentError[] {
  const errors: ArgumentError[] = [];
  for (const field of fields) {
    if (present(body, field)) FIELD_CHECKS[field]?.(body[field], errors);
    else if (mandatory.includes(field)) errors.push(required(field));
  }
  return errors;
}

/** Body fields per operation, in the order of the request schemas. */
const CREATE_FIELDS = [
  'name',
  'root_volume',
  'arch',
  'extra_volumes',
  'project',
  'organization',
  'tags',
  'public',
];
const UPDATE_FIELDS = ['name', 'arch', 'extra_volumes', 'tags', 'public'];
const SET_FIELDS = ['name', 'arch', 'extra_volumes', 'public', 'tags'];

/** `extra_volumes` is a map keyed by position ("1", "2", …) whose values carry a snapshot `id`. */
function checkExtraVolumes(value: unknown, errors: ArgumentError[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push(wrongType('extra_volumes', 'an object keyed by volume position'));
    return;
  }
  for (const [key, entry] of Object.entries(value)) {
    const id = (entry as { id?: unknown } | null)?.id;
    if (id === undefined || id === null) errors.push(required(`extra_volumes.${key}.id`));
    else if (!isUuid(id)) errors.push(notAUuid(`extra_volumes.${key}.id`, String(id)));
  }
}

// ---------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------

/** Dates like the real API: microsecond precision and `+00:00`, e.g. 2025-11-04T10:11:53.049425+00:00. */
function formatDate(micros: number): string {
  const iso = new Date(Math.floor(micros / 1000)).toISOString(); // 2025-11-04T10:11:53.049Z
  return `${iso.slice(0, 19)}.${String(micros % 1_000_000).padStart(6, '0')}+00:00`;
}

/**
 * Current time in microseconds. The system clock goes through `performance` to get real
 * sub-millisecond digits (like the API's `.049425`); an injected `now()` only has milliseconds.
 */
function microsClock(now: (() => Date) | undefined): () => number {
  if (now) return () => now().getTime() * 1000;
  return () => Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/**
 * Hands out strictly increasing timestamps, so a PATCH right after a create still moves
 * `modification_date` even when both happen in the same microsecond (or with a frozen clock).
 */
function monotonicClock(nowMicros: () => number): () => string {
  let last = 0;
  return () => {
    last = Math.max(nowMicros(), last + 1);
    return formatDate(last);
  };
}

const snapshotSummary = (id: string, index: number): VolumeSummary => ({
  id,
  name: `fake-snapshot-${index + 1}`,
  volume_type: 'l_ssd',
  size: 20_000_000_000,
});

/** Rebuilds an image with its keys in the real order (and deep-copied, so callers can't alias state). */
function orderedImage(img: FakeImage): FakeImage {
  return {
    id: img.id,
    name: img.name,
    organization: img.organization,
    project: img.project,
    root_volume: { ...img.root_volume },
    extra_volumes: Object.fromEntries(Object.entries(img.extra_volumes).map(([k, v]) => [k, { ...v }])),
    public: img.public,
    arch: img.arch,
    creation_date: img.creation_date,
    modification_date: img.modification_date,
    default_bootscript: null,
    from_server: img.from_server,
    state: img.state,
    tags: [...img.tags],
    zone: img.zone,
  };
}

/** Deterministic seed id: 00000000-0000-4000-8000-000000000001, …002, … */
const seedId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function seedImages(count: number, rootVolume: VolumeSummary | undefined): FakeImage[] {
  if (count > 0 && !rootVolume) throw new Error('seedImages needs at least one snapshot');
  const width = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => {
    const date = formatDate((SEED_EPOCH_MS + i * 60_000) * 1000);
    return orderedImage({
      id: seedId(i + 1),
      name: `seed-image-${String(i + 1).padStart(width, '0')}`,
      organization: FAKE_ORGANIZATION_ID,
      project: FAKE_PROJECT_ID,
      root_volume: rootVolume!,
      extra_volumes: {},
      public: false,
      arch: 'x86_64',
      creation_date: date,
      modification_date: date,
      default_bootscript: null,
      from_server: '',
      state: 'available',
      tags: ['seed'],
      zone: DEFAULT_ZONE,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Route handlers
// ---------------------------------------------------------------------------------------------

interface Context {
  zone: Zone;
  query: URLSearchParams;
  rawQuery: string;
  body: string;
}

class ImageStore {
  private list: FakeImage[] = [];
  /** The origin a create's Location names. */
  publicUrl = PUBLIC_BASE_URL;
  private readonly snapshots: Map<string, VolumeSummary>;
  private readonly nextDate: () => string;

  constructor(
    snapshotIds: readonly string[],
    private readonly seedCount: number,
    now: (() => Date) | undefined,
  ) {
    this.snapshots = new Map(
      snapshotIds.map((id, i) => [id.toLowerCase(), snapshotSummary(id.toLowerCase(), i)]),
    );
    this.nextDate = monotonicClock(microsClock(now));
    this.reset();
  }

  reset(): void {
    this.list = seedImages(this.seedCount, this.snapshots.values().next().value);
  }

  all(): FakeImage[] {
    return this.list.map(orderedImage);
  }

  private find(zone: Zone, id: string): FakeImage | undefined {
    const wanted = id.toLowerCase();
    return this.list.find((img) => img.zone === zone && img.id === wanted);
  }

  /**
   * Resolves the snapshot ids of an already validated `extra_volumes` map (absent = `{}`);
   * an unknown snapshot yields its 404.
   */
  private resolveExtraVolumes(value: unknown): { volumes: Record<string, VolumeSummary> } | { error: Reply } {
    const volumes: Record<string, VolumeSummary> = {};
    for (const [key, entry] of Object.entries((value ?? {}) as Record<string, { id: string }>)) {
      const snap = this.snapshots.get(entry.id.toLowerCase());
      if (!snap) return { error: notFound('instance_snapshot', entry.id) };
      volumes[key] = { ...snap };
    }
    return { volumes };
  }

  // GET /images
  listImages(ctx: Context): Reply {
    const parsed = parseListQuery(ctx.query);
    if ('error' in parsed) return parsed.error;
    const { page, perPage, matches } = parsed;
    const found = this.list.filter((img) => img.zone === ctx.zone && matches(img));
    const pageItems = found.slice((page - 1) * perPage, page * perPage);
    return instanceReply(
      200,
      { images: pageItems.map(orderedImage) },
      { 'X-Total-Count': String(found.length), Link: linkHeader(page, perPage, found.length, ctx.rawQuery) },
    );
  }

  // POST /images
  createImage(ctx: Context): Reply {
    const body = parseObject(ctx.body);
    if (!body) return invalidJsonBody();

    const errors = checkFields(body, CREATE_FIELDS, ['root_volume', 'arch']);
    // The spec makes project and organization a one-of: at most one may be sent.
    if (present(body, 'project') && present(body, 'organization')) {
      errors.push({
        argument_name: 'organization',
        reason: 'constraint',
        help_message: 'only one of project, organization may be set',
      });
    }
    if (errors.length > 0) return invalidArguments(errors);

    const root = this.snapshots.get((body.root_volume as string).toLowerCase());
    if (!root) return notFound('instance_snapshot', body.root_volume as string);
    const extra = this.resolveExtraVolumes(body.extra_volumes);
    if ('error' in extra) return extra.error;

    const now = this.nextDate();
    const id = randomUUID();
    // Without an explicit owner the key's defaults apply (what the SDKs fill in client-side anyway).
    const image = orderedImage({
      id,
      name: present(body, 'name') ? (body.name as string) : '',
      organization: present(body, 'organization')
        ? (body.organization as string).toLowerCase()
        : FAKE_ORGANIZATION_ID,
      project: present(body, 'project')
        ? (body.project as string).toLowerCase()
        : present(body, 'organization')
          ? (body.organization as string).toLowerCase() // an organization's default project shares its id
          : FAKE_PROJECT_ID,
      root_volume: { ...root },
      extra_volumes: extra.volumes,
      public: present(body, 'public') ? (body.public as boolean) : false,
      arch: body.arch as Arch,
      creation_date: now,
      modification_date: now,
      default_bootscript: null,
      from_server: '',
      state: 'available', // images made from snapshots were always recorded as immediately available
      tags: present(body, 'tags') ? [...(body.tags as string[])] : [],
      zone: ctx.zone,
    });
    this.list.push(image);
    return instanceReply(
      201,
      { image: orderedImage(image) },
      { Location: `${this.publicUrl}/instance/v1/zones/${ctx.zone}/images/${id}` },
    );
  }

  // GET /images/{image_id}
  getImage(ctx: Context, id: string): Reply {
    const image = this.find(ctx.zone, id);
    return image ? instanceReply(200, { image: orderedImage(image) }) : notFound('instance_image', id);
  }

  // PATCH /images/{image_id}: only the fields sent (and not null) change.
  updateImage(ctx: Context, id: string): Reply {
    const body = parseObject(ctx.body);
    if (!body) return invalidJsonBody();
    const errors = checkFields(body, UPDATE_FIELDS);
    if (errors.length > 0) return invalidArguments(errors);

    const image = this.find(ctx.zone, id);
    if (!image) return notFound('instance_image', id);
    const extra = this.resolveExtraVolumes(body.extra_volumes);
    if ('error' in extra) return extra.error;

    if (present(body, 'name')) image.name = body.name as string;
    if (present(body, 'arch')) image.arch = body.arch as Arch;
    if (present(body, 'public')) image.public = body.public as boolean;
    if (present(body, 'tags')) image.tags = [...(body.tags as string[])];
    if (present(body, 'extra_volumes')) image.extra_volumes = extra.volumes;
    image.modification_date = this.nextDate();
    return instanceReply(200, { image: orderedImage(image) });
  }

  /**
   * PUT /images/{id}: replaces every mutable property (name, arch, public, tags, extra_volumes);
   * an absent one goes back to its default. `name` is required (the JS SDK's type requires it and
   * an image cannot be nameless). Read-only fields in the body (id, root_volume, dates, owner,
   * state, from_server, zone) are accepted and ignored.
   */
  setImage(ctx: Context, id: string): Reply {
    const body = parseObject(ctx.body);
    if (!body) return invalidJsonBody();
    const errors = checkFields(body, SET_FIELDS, ['name']);
    if (errors.length > 0) return invalidArguments(errors);

    const image = this.find(ctx.zone, id);
    if (!image) return notFound('instance_image', id);
    const extra = this.resolveExtraVolumes(body.extra_volumes);
    if ('error' in extra) return extra.error;

    image.name = body.name as string;
    image.arch = present(body, 'arch') ? (body.arch as Arch) : 'unknown_arch';
    image.public = present(body, 'public') ? (body.public as boolean) : false;
    image.tags = present(body, 'tags') ? [...(body.tags as string[])] : [];
    image.extra_volumes = extra.volumes;
    image.modification_date = this.nextDate();
    return instanceReply(200, { image: orderedImage(image) });
  }

  // DELETE /images/{image_id}
  deleteImage(ctx: Context, id: string): Reply {
    const image = this.find(ctx.zone, id);
    if (!image) return notFound('instance_image', id);
    this.list = this.list.filter((img) => img !== image);
    return { status: 204, body: '' };
  }
}

// ---------------------------------------------------------------------------------------------
// Listing: filters and pagination
// ---------------------------------------------------------------------------------------------

/** The filters ListImages knows; anything else in the query string is ignored like the real API does. */
const LIST_FILTERS = ['organization', 'project', 'name', 'public', 'arch', 'tags'] as const;

interface ListQuery {
  page: number;
  perPage: number;
  matches: (img: FakeImage) => boolean;
}

/** An empty value (`?name=`) counts as "not set". Repeated parameters: the first one wins. */
function queryValue(query: URLSearchParams, key: string): string | undefined {
  const v = query.get(key);
  return v === null || v === '' ? undefined : v;
}

function parseInteger(
  query: URLSearchParams,
  key: string,
  fallback: number,
  errors: ArgumentError[],
): number {
  const raw = queryValue(query, key);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) {
    errors.push({ argument_name: key, reason: 'format', help_message: `${raw} is not a valid integer.` });
    return fallback;
  }
  return Number(raw);
}

/**
 * Validates the list query and builds the matcher.
 * - `name`: case-insensitive substring (the real API returned a longer name for a shorter filter).
 * - `tags`: comma-separated; an image matches when it carries *all* listed tags (blank items ignored).
 * - `public`: `true` / `false` only.
 * - `page` >= 1 and 1 <= `per_page` <= 100, else 400 invalid_arguments (the real answer is unknown).
 */
function parseListQuery(query: URLSearchParams): ListQuery | { error: Reply } {
  const errors: ArgumentError[] = [];
  const page = parseInteger(query, 'page', 1, errors);
  const perPage = parseInteger(query, 'per_page', DEFAULT_PER_PAGE, errors);
  if (errors.length === 0 && page < 1) {
    errors.push({
      argument_name: 'page',
      reason: 'constraint',
      help_message: 'must be greater than or equal to 1',
    });
  }
  if (errors.length === 0 && (perPage < 1 || perPage > MAX_PER_PAGE)) {
    errors.push({
      argument_name: 'per_page',
      reason: 'constraint',
      help_message: `must be between 1 and ${MAX_PER_PAGE}`,
    });
  }

  const organization = queryValue(query, 'organization');
  const project = queryValue(query, 'project');
  if (organization !== undefined && !isUuid(organization))
    errors.push(notAUuid('organization', organization));
  if (project !== undefined && !isUuid(project)) errors.push(notAUuid('project', project));

  const publicRaw = queryValue(query, 'public');
  if (publicRaw !== undefined && publicRaw !== 'true' && publicRaw !== 'false') {
    errors.push({
      argument_name: 'public',
      reason: 'format',
      help_message: `${publicRaw} is not a valid boolean.`,
    });
  }
  if (errors.length > 0) return { error: invalidArguments(errors) };

  const name = queryValue(query, 'name')?.toLowerCase();
  const arch = queryValue(query, 'arch');
  const tags = (queryValue(query, 'tags') ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const isPublic = publicRaw === undefined ? undefined : publicRaw === 'true';

  const matches = (img: FakeImage): boolean =>
    (organization === undefined || img.organization === organization.toLowerCase()) &&
    (project === undefined || img.project === project.toLowerCase()) &&
    (name === undefined || img.name.toLowerCase().includes(name)) &&
    (isPublic === undefined || img.public === isPublic) &&
    (arch === undefined || img.arch === arch) &&
    tags.every((t) => img.tags.includes(t));
  return { page, perPage, matches };
}

/**
 * The real relative Link format: `</images?page=P&per_page=N&FILTERS>; rel="…"`, relations in
 * the order first, previous, next, last, joined by "," with no space. FILTERS are the caller's
 * known filters exactly as sent and in the caller's order; with none the `&` still trails
 * (`page=2&per_page=50&`), as recorded. `last` is always present and is 0 for an empty result.
 */
function linkHeader(page: number, perPage: number, total: number, rawQuery: string): string {
  const known = new Set<string>(LIST_FILTERS);
  const filters = rawQuery
    .split('&')
    .filter((pair) => pair !== '' && known.has(decodeQueryComponent(pair.split('=')[0] ?? '')))
    .join('&');
  const target = (p: number) => `</images?page=${p}&per_page=${perPage}&${filters}>`;
  const last = Math.ceil(total / perPage);

  const links: string[] = [];
  if (page > 1) links.push(`${target(1)}; rel="first"`);
  if (page > 1 && last >= 1) links.push(`${target(Math.min(page - 1, last))}; rel="previous"`);
  if (page < last) links.push(`${target(page + 1)}; rel="next"`);
  links.push(`${target(last)}; rel="last"`);
  return links.join(',');
}

function decodeQueryComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The six operations. The PUT path names its parameter `{id}`, the others `{image_id}` (as in the spec). */
const COLLECTION_METHODS: Method[] = ['GET', 'POST'];
const ITEM_METHODS: Method[] = ['GET', 'PUT', 'PATCH', 'DELETE'];

interface RouteMatch {
  zone: string;
  /** Decoded item id, or undefined for the collection. */
  id?: string;
}

/** Matches `/instance/v1/zones/{zone}/images` and `/instance/v1/zones/{zone}/images/{id}` exactly. */
function matchRoute(pathname: string): RouteMatch | undefined {
  const m = /^\/instance\/v1\/zones\/([^/]+)\/images(?:\/([^/]+))?$/.exec(pathname);
  if (!m) return undefined;
  return { zone: decodePathSegment(m[1]!), id: m[2] === undefined ? undefined : decodePathSegment(m[2]) };
}

/** Percent-decoding for path segments (unlike a query, `+` stays a `+`); malformed escapes stay raw. */
function decodePathSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Order of checks: route shape (404), method (405), zone (400, decided at the gateway from the
 * path), authentication (401), path id format (400), then the operation itself.
 */
function dispatch(store: ImageStore, apiKeys: Set<string>, req: RecordedRequest): Reply {
  const route = matchRoute(req.path);
  if (!route) return routeNotFound();
  const allowed = route.id === undefined ? COLLECTION_METHODS : ITEM_METHODS;
  const method = req.method as Method;
  if (!allowed.includes(method)) return methodNotAllowed(allowed);
  if (!isZone(route.zone)) return unknownZone();

  const token = req.headers['x-auth-token'] ?? '';
  if (!isUuid(token)) return deniedAuthentication('invalid_argument');
  if (!apiKeys.has(token.toLowerCase())) return deniedAuthentication('not_found');

  const ctx: Context = {
    zone: route.zone,
    query: new URLSearchParams(req.query.raw),
    rawQuery: req.query.raw,
    body: req.body,
  };
  if (route.id === undefined) return method === 'GET' ? store.listImages(ctx) : store.createImage(ctx);

  if (!isUuid(route.id)) {
    return invalidArguments([notAUuid(method === 'PUT' ? 'id' : 'image_id', route.id)]);
  }
  switch (method) {
    case 'GET':
      return store.getImage(ctx, route.id);
    case 'PUT':
      return store.setImage(ctx, route.id);
    case 'PATCH':
      return store.updateImage(ctx, route.id);
    default:
      return store.deleteImage(ctx, route.id);
  }
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

const faultsOff = (): FaultSwitches => ({
  latencyMs: 0,
  rateLimit: false,
  serverError: false,
  resetMidBody: false,
  hang: false,
});

/**
 * Decides whether a switch fires for this request and, if it has `times`, uses one up
 * (replacing the object rather than mutating it, so a caller's constant is never changed).
 * Returns the switch's settings when it fires.
 */
function fire<K extends keyof FaultSwitches>(
  faults: FaultSwitches,
  key: K,
): Record<string, unknown> | undefined {
  const value: unknown = faults[key];
  const off = (key === 'latencyMs' ? 0 : false) as FaultSwitches[K];
  if (value === false || value === undefined || value === null) return undefined;
  if (value === true) return {};
  if (typeof value === 'number') return value > 0 ? { ms: value } : undefined;
  const settings = value as Record<string, unknown> & { times?: number };
  if (settings.times === undefined) return settings;
  if (settings.times <= 0) {
    faults[key] = off;
    return undefined;
  }
  faults[key] = (settings.times === 1 ? off : { ...settings, times: settings.times - 1 }) as FaultSwitches[K];
  return settings;
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------------------------

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function record(req: IncomingMessage, body: string): RecordedRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const raw = q === -1 ? '' : url.slice(q + 1);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: req.method ?? 'GET',
    path: q === -1 ? url : url.slice(0, q),
    query: { raw, entries: [...new URLSearchParams(raw)] },
    headers,
    body,
  };
}

function responseHeaders(reply: Reply): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(reply.body)),
    'X-Request-Id': randomUUID(),
    ...reply.headers,
  };
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, responseHeaders(reply));
  res.end(reply.body);
}

/**
 * Writes the response by hand on the socket, stops halfway through the body (or through the
 * header block when there is no body) and destroys the socket, so the client sees a response
 * start and then a connection that ends early. A plain close (FIN) rather than an RST: an RST can
 * make the client's kernel drop the bytes already sent, which would turn "broken body" into a
 * flaky "no response at all".
 */
function sendCutShort(socket: Socket, reply: Reply): void {
  const head =
    `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? ''}\r\n` +
    Object.entries(responseHeaders(reply))
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  const body = Buffer.from(reply.body);
  const bytes =
    body.length > 0
      ? Buffer.concat([Buffer.from(head), body.subarray(0, Math.floor(body.length / 2))])
      : Buffer.from(head.slice(0, Math.floor(head.length / 2)));
  socket.write(bytes, () => socket.destroy());
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

export async function startFakeScaleway(opts: FakeScalewayOptions = {}): Promise<FakeScaleway> {
  const host = opts.host ?? '127.0.0.1';
  const keys = opts.apiKeys ?? [FAKE_API_KEY];
  const snapshots = opts.snapshots ?? FAKE_SNAPSHOTS;
  for (const id of [...keys, ...snapshots]) {
    if (!isUuid(id))
      throw new Error(`fake scaleway: ${id} is not a UUID (API keys and snapshot ids must be)`);
  }
  const apiKeys = new Set(keys.map((k) => k.toLowerCase()));
  const store = new ImageStore(snapshots, opts.seedImages ?? 0, opts.now);
  const requests: RecordedRequest[] = [];
  const faults = faultsOff();
  const sockets = new Set<Socket>();
  const pendingDelays = new Set<() => void>();
  let closed = false;

  /** A delay that close() can cut short, so shutting down never waits on a latency fault. */
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        pendingDelays.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      pendingDelays.add(done);
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const entry = record(req, await readBody(req));
    watchCredentials(entry.headers, req.url);
    requests.push(entry);

    const latency = fire(faults, 'latencyMs');
    if (latency) await delay(Number(latency.ms));
    if (closed || res.destroyed) return;
    if (fire(faults, 'hang')) return; // never answer

    const cut = fire(faults, 'resetMidBody');
    const limited = fire(faults, 'rateLimit');
    let reply: Reply;
    if (limited) reply = rateLimited(Number(limited.retryAfterSeconds ?? 1));
    else if (fire(faults, 'serverError')) reply = internalError();
    else reply = dispatch(store, apiKeys, entry);

    if (cut) sendCutShort(req.socket, reply);
    else send(res, reply);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (req.socket.destroyed) return; // the client went away mid-request: nobody to answer
      // A bug in the fake must still produce an answer, never a hung test.
      console.error('fake scaleway: handler failed', err);
      if (!res.headersSent && !res.destroyed) send(res, internalError());
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('fake scaleway: unexpected listen address');
  const port = address.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (opts.locationOrigin === 'self') store.publicUrl = url;

  return {
    url,
    port,
    apiKey: keys[0] ?? FAKE_API_KEY,
    requests,
    faults,
    images: () => store.all(),
    reset() {
      store.reset();
      requests.length = 0;
      Object.assign(faults, faultsOff());
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      for (const finish of [...pendingDelays]) finish();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Standalone entry point
// ---------------------------------------------------------------------------------------------

function argValue(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i === -1) return undefined;
  const arg = args[i]!;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[i + 1];
}

function intArg(args: string[], name: string): number | undefined {
  const raw = argValue(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} expects a non-negative integer, got ${raw}`);
  return n;
}

async function main(args: string[]): Promise<void> {
  const fake = await startFakeScaleway({
    port: intArg(args, '--port'),
    host: argValue(args, '--host'),
    seedImages: intArg(args, '--seed'),
  });
  // One value per line, in the env-var names the Scaleway SDKs and CLI read.
  console.log(`SCW_API_URL=${fake.url}`);
  console.log(`SCW_SECRET_KEY=${fake.apiKey}`);
  const stop = () => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
