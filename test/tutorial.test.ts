// The reference engine's alpha2 tutorial suite, replayed against capgen's generated servers
// (harness in test/tutorial/). Every case of tests.yml is run; each one is either expected to pass
// or listed below with the reason it cannot pass yet. A case that changes side fails the test, so
// a regression cannot hide and a fixed case must be moved to PASSING.
import { beforeAll, describe, expect, it } from 'vitest';
import { type CaseResult, readCases, runSuite } from './tutorial/suite.js';

const PASSING = new Set([
  'step5-list-legacy-vessels',
  'step6-list-legacy-vessels',
  'step10-rest-list-legacy-vessels',
  'step2-list-ships',
  'step2-list-ships-filter',
  'step2-get-ship',
  'step3-list-ships',
  'step3-get-ship',
  'step4-get-ship-shaped',
  'step5-list-ships',
  'step6-list-ships',
  'step6-create-voyage',
  'step7-create-voyage',
  'step8-list-ships',
  'step8-create-voyage',
  'step8-skill-fleet-ops',
  'step9-list-ships',
  'step9-create-voyage',
  'step10-mcp-list-ships',
  'step10-rest-list-ships',
  'step10-rest-get-ship',
  'step10-rest-create-voyage',
  'step11-mcp-list-ships',
  'step11-rest-list-ships',
  'step11-rest-get-ship',
  'step11-rest-create-voyage',
  'step1-get-ship',
  'step7-get-ship-with-crew',
  'step8-get-ship-with-crew',
  'step11-mcp-get-voyage-manifest',
  'step11-rest-voyage-manifest',
  'step9-get-ship-with-crew',
  'step10-rest-get-ship-with-crew',
]);

/** Cases that fail today, with the reason. */
const FAILING: Record<string, string> = {};

const cases = readCases();
const results = new Map<string, CaseResult>();

describe('tutorial-alpha2 replay', () => {
  beforeAll(async () => {
    for (const r of await runSuite(cases)) results.set(r.name, r);
    const passed = [...results.values()].filter((r) => r.ok).length;
    const lines = [...results.values()].map((r) => `${r.ok ? 'PASS' : 'FAIL'} ${r.name}: ${r.detail}`);
    console.log(`tutorial-alpha2: ${passed} of ${results.size} cases pass\n${lines.join('\n')}`);
  }, 600_000);

  it('names every case of tests.yml exactly once, as passing or failing with a reason', () => {
    const names = cases.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(PASSING.has(name) !== name in FAILING, name).toBe(true);
    expect([...PASSING, ...Object.keys(FAILING)].sort()).toEqual([...names].sort());
  });

  for (const c of cases) {
    it(`${c.name}`, () => {
      const r = results.get(c.name);
      expect(r, 'the case was run').toBeDefined();
      if (PASSING.has(c.name)) expect(r!.ok, r!.detail).toBe(true);
      else expect(r!.ok, `${c.name} now passes: move it to PASSING`).toBe(false);
    });
  }
});
