// Formats files with prettier off the main thread (see format.ts). Plain JavaScript, so it runs
// under any loader: tsx, vitest or plain node.
import { parentPort, workerData } from 'node:worker_threads';
import { format } from 'prettier/standalone';

const { files, config } = workerData;
const plugins = new Map();
const load = (name) => {
  if (!plugins.has(name)) plugins.set(name, import(`prettier/plugins/${name}`));
  return plugins.get(name);
};
const out = [];
for (const [name, text, parser, needs] of files)
  out.push([name, await format(text, { ...config, parser, plugins: await Promise.all(needs.map(load)) })]);
parentPort.postMessage(out);
