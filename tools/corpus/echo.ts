// The corpus runner's upstream: one recording echo server on 127.0.0.1 that every consumed API
// of every spec points at (each API under its own path prefix). It is the tests' recording
// upstream (test/support/recorder.ts) answering 200 with a JSON body that carries the request's
// unique marker, so a caller can tell that the answer it got is the one this request produced.
import { type Recorded, type Recorder, startRecorder } from '../../test/support/recorder.js';

export type EchoRequest = Recorded;
export type EchoServer = Recorder;

export async function startEcho(): Promise<EchoServer> {
  const recorder = await startRecorder();
  recorder.respond((req) => ({ status: 200, body: { echo: req.id, method: req.method, path: req.path } }));
  return recorder;
}
