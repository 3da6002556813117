// Formats files with prettier off the main thread (see format.ts). Plain JavaScript, so it runs
// under any loader: tsx, vitest or plain node.
import { parentPort, workerData } from 'node:worker_threads';
import { format } from 'prettier';

const { files, config } = workerData;
const out = [];
for (const [name, text, parser] of files) out.push([name, await format(text, { ...config, parser })]);
parentPort.postMessage(out);
