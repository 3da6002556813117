// The surface check's Node globals (generator/verify.ts): the names the emitted files and the
// runtime's declarations use, declared no looser than @types/node 20 declares them. Opaque types
// carry a brand no emitted code can forge; functions take a subset of the real overloads and
// parameters; results are the real ones. test/surface.test.ts compares them with @types/node.

/** Makes a type opaque: only values the declarations hand out have it. */
declare const surfaceBrand: unique symbol;

type BufferEncoding =
  | 'ascii'
  | 'utf8'
  | 'utf-8'
  | 'utf16le'
  | 'utf-16le'
  | 'ucs2'
  | 'ucs-2'
  | 'base64'
  | 'base64url'
  | 'latin1'
  | 'binary'
  | 'hex';

interface Buffer extends Uint8Array {
  readonly [surfaceBrand]: 'Buffer';
  toString(encoding?: BufferEncoding, start?: number, end?: number): string;
}

interface BufferConstructor {
  byteLength(string: string, encoding?: BufferEncoding): number;
}
declare var Buffer: BufferConstructor;

interface ImportMeta {
  readonly url: string;
}

interface AbortSignal {
  readonly [surfaceBrand]: 'AbortSignal';
  readonly aborted: boolean;
}
declare var AbortSignal: {
  timeout(milliseconds: number): AbortSignal;
};

interface URL {
  readonly [surfaceBrand]: 'URL';
  readonly href: string;
  readonly origin: string;
  readonly protocol: string;
  readonly host: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
  readonly username: string;
  readonly password: string;
  toString(): string;
  toJSON(): string;
}
declare var URL: {
  new (input: string, base?: string): URL;
};

interface SurfaceTimeout {
  readonly [surfaceBrand]: 'Timeout';
  unref(): this;
}
declare function setTimeout(callback: () => void, ms?: number): SurfaceTimeout;

interface SurfaceWritable {
  readonly [surfaceBrand]: 'Writable';
  write(chunk: string): boolean;
}

interface SurfaceReadable {
  readonly [surfaceBrand]: 'Readable';
  once(event: 'end', listener: () => void): this;
}

declare var process: {
  readonly [surfaceBrand]: 'Process';
  readonly env: SurfaceProcessEnv;
  readonly argv: string[];
  readonly stderr: SurfaceWritable;
  readonly stdin: SurfaceReadable;
  cwd(): string;
  exit(code?: number): never;
  on(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
};

interface SurfaceProcessEnv {
  [key: string]: string | undefined;
}
