/**
 * The bench's chart: every ratio of the run as one horizontal bar, a tick at its goal, written as
 * SVG by Vega-Lite compiled to Vega and rendered headless (no browser, no canvas: vega's SVG
 * renderer is plain string output). Vega and Vega-Lite are pinned with the peers in
 * tools/bench/peers/ (installed on demand), so the repo's own dependencies do not grow.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PEERS_DIR } from './generators.js';

export interface RatioBar {
  /** The table the ratio comes from (the chart's colour). */
  table: string;
  /** What is compared with what. */
  label: string;
  ratio: number;
  /** The goal (a ratio to stay under or over), drawn as a tick. */
  goal?: number;
}

interface VegaLite {
  compile(spec: unknown): { spec: unknown };
}
interface Vega {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => { toSVG(): Promise<string> };
}

/** A package installed in tools/bench/peers, resolved from there. */
const load = async <T>(name: string) =>
  (await import(pathToFileURL(createRequire(join(PEERS_DIR, 'package.json')).resolve(name)).href)) as T;

export async function writeChart(file: string, title: string, bars: RatioBar[]): Promise<void> {
  const vegaLite = await load<VegaLite>('vega-lite');
  const vega = await load<Vega>('vega');
  const values = bars.filter((b) => Number.isFinite(b.ratio));
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 520,
    data: { values },
    encoding: { y: { field: 'label', type: 'nominal', sort: null, title: null } },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'ratio', type: 'quantitative', scale: { type: 'log' }, title: 'ratio (log scale)' },
          color: { field: 'table', type: 'nominal', title: null },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4 },
        encoding: { x: { field: 'ratio', type: 'quantitative' }, text: { field: 'ratio', format: '.2f' } },
      },
      {
        transform: [{ filter: 'isValid(datum.goal)' }],
        mark: { type: 'tick', color: 'black', thickness: 2 },
        encoding: { x: { field: 'goal', type: 'quantitative' } },
      },
    ],
  };
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  writeFileSync(file, await view.toSVG());
}
