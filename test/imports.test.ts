// Consumes imports: `{import, location, as?}` entries read a root consumes entry from another file,
// relative to the importing spec's folder. Problems inside the imported entry point into that
// file (plus the import line); a missing file or namespace skips that consumes unit with a located
// warning; `--check` sees a change in an imported file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffOutput } from '../generator/check.js';
import { formatDiagnostic, SpecError } from '../generator/diagnostics.js';
import { generateFile } from '../generator/pipeline.js';
import { writeOutput } from '../generator/write.js';

const dir = mkdtempSync(join(tmpdir(), 'capgen-imports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SHARED = `naftiko: "1.0.0-alpha2"
consumes:
  - namespace: other
    type: http
    baseUri: "https://other.example"
    resources: []
  - namespace: registry
    type: http
    baseUri: "https://registry.example/v1"
    resources:
      - name: ships
        path: "/ships"
        operations:
          - name: list-ships
            method: GET
            inputParameters:
              - name: status
                in: query
      - name: vessels
        path: "/vessels"
        operations:
          - name: list-vessels
            method: GET
            inputParameters: [{name: '', in: query}]
`;

function main(location: string, name = 'registry', as = ''): string {
  return `naftiko: "1.0.0-alpha2"
capability:
  consumes:
    - import: ${name}
      location: ${location}${as ? `\n      as: ${as}` : ''}
  exposes:
    - type: mcp
      port: 3001
      namespace: tools
      tools:
        - name: list-ships
          description: List ships
          call: ${as || name}.list-ships
          with:
            status: tools.status
`;
}

function write(rel: string, text: string): string {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('consumes import', () => {
  write('a/shared/registry.yaml', SHARED);

  it('reads the entry from a file relative to the importing spec, renamed by `as`', async () => {
    const spec = write('a/cap.yaml', main('./shared/registry.yaml', 'registry', 'fleet'));
    const { model } = await generateFile(spec, { skipVerify: true });
    expect(model.apis.map((a) => a.namespace)).toEqual(['fleet']);
    expect(model.apis[0]!.operations.map((o) => o.name)).toEqual(['list-ships', 'list-vessels']);
    expect(model.mcp[0]!.tools.map((t) => t.call?.operation.name)).toEqual(['list-ships']);
  });

  it('points problems inside the imported entry into the imported file, with the import line', async () => {
    const spec = write('a/cap2.yaml', main('./shared/registry.yaml'));
    const { diagnostics, spec: loaded } = await generateFile(spec, { skipVerify: true });
    const empty = diagnostics.find((d) => d.code === 'param-name');
    expect(empty).toMatchObject({
      file: join(dir, 'a/shared/registry.yaml'),
      line: 24,
      col: 38,
      via: { file: spec, line: 4, col: 7 },
    });
    const shown = formatDiagnostic(empty!, loaded.sources?.get(empty!.file));
    expect(shown).toContain(`registry.yaml:24:38: warning[param-name]`);
    expect(shown).toContain(`(imported at ${spec}:4:7)`);
    expect(shown).toContain('>');
    expect(shown).toContain("inputParameters: [{name: '', in: query}]");
  });

  it('skips the consumes unit, located at `location`, when the file is missing', async () => {
    const spec = write('b/cap.yaml', main('./shared/nowhere.yaml'));
    const err = await generateFile(spec, { skipVerify: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    const diagnostics = (err as SpecError).diagnostics;
    const missing = diagnostics.find((d) => d.code === 'import');
    expect(missing).toMatchObject({ severity: 'warning', file: spec, line: 5, col: 17 });
    expect(missing!.message).toContain('no such file');
    expect(missing!.message).toContain('this consumes entry is skipped');
    // Nothing else is left to call, so the spec is then refused for that reason, not a crash.
    expect(diagnostics.some((d) => d.code === 'nothing-to-generate')).toBe(true);
  });

  it('names the namespaces the file has when the imported one is not there', async () => {
    const spec = write('a/cap3.yaml', main('./shared/registry.yaml', 'fleet'));
    const err = (await generateFile(spec, { skipVerify: true }).catch((e: unknown) => e)) as SpecError;
    const missing = err.diagnostics.find((d) => d.code === 'import');
    expect(missing?.message).toContain('no root consumes entry with namespace "fleet"');
    expect(missing?.message).toContain('"other", "registry"');
  });

  it('is refused under --strict when the import cannot be resolved', async () => {
    const spec = write('b/cap2.yaml', main('./shared/nowhere.yaml'));
    const err = (await generateFile(spec, { strict: true, skipVerify: true }).catch(
      (e: unknown) => e,
    )) as SpecError;
    expect(err.diagnostics.find((d) => d.code === 'import')?.severity).toBe('error');
  });

  it('counts the imported file as an input: --check sees it change', async () => {
    const spec = write('c/cap.yaml', main('./shared/registry.yaml'));
    const shared = write('c/shared/registry.yaml', SHARED);
    const out = join(dir, 'c/out');
    const first = await generateFile(spec, { skipVerify: true });
    await writeOutput(out, first.files);
    expect(await diffOutput(out, (await generateFile(spec, { skipVerify: true })).files, 'out')).toBe('');
    writeFileSync(shared, SHARED.replace('https://registry.example/v1', 'https://registry.example/v2'));
    const diff = await diffOutput(out, (await generateFile(spec, { skipVerify: true })).files, 'out');
    expect(diff).toContain('+');
    expect(diff).toContain('https://registry.example/v2');
  });
});
