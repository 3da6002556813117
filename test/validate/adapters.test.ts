// Stage 2 (validate/): skill, MCP resource and prompt, control and import checks, and formats.
import { describe, expect, it } from 'vitest';
import { block, lineOf } from '../support/text.js';
import type { Run } from '../support/validate-spec.js';
import { RESOURCES, run, specText, TOOL_GET, TOOLS, withCode } from '../support/validate-spec.js';

describe('unsupported features', () => {
  const unsupported = (r: Run) => withCode(r, 'unsupported');

  describe('skill adapters', () => {
    const skill = (skills: string, extra = '') =>
      specText({
        moreExposes: `- type: skill\n  namespace: pets-skills\n  port: 7070\n${extra}  skills:\n${block(skills, 2)}`,
      });
    /** Diagnostics about the skill adapter: the ones located at or below its `- type: skill`. */
    const skillWarnings = (r: Run) =>
      r.report.diagnostics.filter((d) => d.line >= lineOf(r.text, '- type: skill'));

    it('accepts tools derived from MCP tools and REST operations, and instruction files', () => {
      const text = skill(`
- name: pet-care
  description: Look after pets
  location: file:///./skills/pet-care
  tools:
  - name: list
    description: List over MCP
    from: {sourceNamespace: pets-mcp, action: list-pets}
  - name: get
    description: Get over REST
    from: {sourceNamespace: pets-rest, action: getpet}
  - name: guide
    description: How to
    instruction: guides/how.md
`);
      const r = run(text);
      expect(r.report.diagnostics).toEqual([]);
      expect(r.validation.skipped).toEqual(new Set());
    });

    it('skips a tool that names no sibling adapter, tool or operation, with a suggestion', () => {
      const text = skill(`
- name: pet-care
  description: Look after pets
  tools:
  - name: a
    description: x
    from: {sourceNamespace: pets-mpc, action: list-pets}
  - name: b
    description: x
    from: {sourceNamespace: pets-mcp, action: list-pet}
  - name: c
    description: x
    call: petstore.listpets
`);
      const r = run(text);
      const [a, b, c, ...rest] = skillWarnings(r);
      expect(rest).toEqual([]);
      expect(a!.message).toBe(
        'sourceNamespace "pets-mpc" names no REST or MCP adapter of this capability; did you mean "pets-mcp"?; this skill tool is skipped',
      );
      expect(a!.line).toBe(lineOf(text, 'pets-mpc'));
      expect(b!.message).toBe(
        'adapter "pets-mcp" has no tool named "list-pet"; did you mean "list-pets"?; this skill tool is skipped',
      );
      expect(c!.message).toBe(
        'a skill tool needs exactly one of `from: {sourceNamespace, action}` or `instruction` (`call` is not part of alpha2 skill tools); this skill tool is skipped',
      );
      expect(c!.line).toBe(lineOf(text, '- name: c'));
      expect(r.validation.skipped).toEqual(
        new Set(['exposes/2/skills/0/tools/0', 'exposes/2/skills/0/tools/1', 'exposes/2/skills/0/tools/2']),
      );
    });

    it('leaves out a tool whose action was skipped, pointing at why', () => {
      const tools = `${TOOLS}- name: orchestrated\n  description: x\n  steps:\n  - name: s\n    type: script\n`;
      const text = specText({
        tools,
        moreExposes: `- type: skill\n  namespace: pets-skills\n  port: 7070\n  skills:\n  - name: s\n    description: x\n    tools:\n    - name: t\n      description: x\n      from: {sourceNamespace: pets-mcp, action: orchestrated}\n`,
      });
      const r = run(text);
      const d = r.report.diagnostics.find((x) => x.code === 'skill-tool')!;
      expect(d.message).toBe(
        `tool "orchestrated" of "pets-mcp" was skipped (line ${lineOf(text, 'type: script')}), so the catalog does not list it; this skill tool is skipped`,
      );
    });

    it('refuses instruction paths that climb out, and skill names that are not URL segments', () => {
      const text = skill(`
- name: ok
  description: x
  location: file:///./skills/ok
  tools:
  - name: t
    description: x
    instruction: ../../etc/passwd
- name: Not A Segment
  description: x
- name: ok
  description: duplicate
- name: elsewhere
  description: x
  location: https://example.com/skills
`);
      const r = run(text);
      const messages = skillWarnings(r).map((d) => [d.line, d.message]);
      expect(messages).toEqual([
        [
          lineOf(text, 'instruction: ../'),
          'instruction "../../etc/passwd" must be a file path relative to the skill\'s location, without `..`; this skill tool is skipped',
        ],
        [
          lineOf(text, '- name: Not A Segment'),
          'skill name "Not A Segment" must be kebab-case, 1-64 characters (it is a URL segment of the catalog); this skill is skipped',
        ],
        [
          lineOf(text, 'description: duplicate') - 1,
          'duplicate skill name "ok"; the first one keeps the name and this one is skipped',
        ],
        [
          lineOf(text, 'location: https'),
          'skill location "https://example.com/skills" must be a file:/// folder; this skill is skipped',
        ],
      ]);
    });

    it('skips an adapter in the groups shape, or without a port', () => {
      const groups = specText({
        moreExposes: `- type: skill\n  namespace: pets-skills\n  port: 7070\n  groups:\n  - name: g\n    skills:\n    - name: s\n      call: petstore.listpets\n`,
      });
      const r = run(groups);
      const [d] = skillWarnings(r);
      expect(d!.message).toMatch(
        /^a skill adapter lists its skills in `skills`.*`groups` is not part of alpha2, so this adapter is skipped$/,
      );
      expect(d!.line).toBe(lineOf(groups, 'groups:'));
      expect(r.validation.skipped).toEqual(new Set(['exposes/2']));
      const noPort = specText({
        moreExposes: `- type: skill\n  namespace: pets-skills\n  skills:\n  - name: s\n    description: x\n`,
      });
      const p = run(noPort);
      expect(skillWarnings(p).map((x) => x.message)).toEqual([
        'a skill adapter needs a `port` (1-65535); this adapter is skipped',
      ]);
    });
  });

  describe('MCP resources and prompts', () => {
    const withCatalog = (catalog: string) => {
      const text = specText();
      // The catalog goes inside the MCP adapter, after its tools.
      return text.replace('  - type: mcp\n', `  - type: mcp\n${block(catalog, 4)}`);
    };

    it('resolves a resource call, and skips one that names an unknown operation, with a suggestion', () => {
      const text = withCatalog(`
resources:
- name: pets
  uri: pets://all
  call: petstore.listpets
- name: pet
  uri: pets://{petId}
  call: petstore.getpets
`);
      const r = run(text);
      expect(r.validation.calls.get('exposes/1/resources/0')?.name).toBe('listpets');
      const d = r.report.diagnostics.find((x) => x.code === 'call-unresolved')!;
      expect(d.message).toBe(
        'call "petstore.getpets": namespace "petstore" has no operation with that name; did you mean "petstore.getpet"?; this resource is skipped',
      );
      expect(d.line).toBe(lineOf(text, 'call: petstore.getpets'));
      expect(r.validation.skipped).toEqual(new Set(['exposes/1/resources/1']));
    });

    it('skips resources and prompts with no source, two sources, or a location that is not a file', () => {
      const text = withCatalog(`
resources:
- name: none
  uri: pets://none
- name: both
  uri: pets://both
  call: petstore.listpets
  location: file:///./docs
- name: web
  uri: docs://web
  location: https://example.com/docs
prompts:
- name: p1
  description: x
- name: p2
  description: x
  template:
  - role: system
    content: hi
`);
      const r = run(text);
      const lines = r.report.diagnostics.filter((d) => d.code === 'schema').map((d) => [d.line, d.message]);
      expect(lines).toEqual([
        [
          lineOf(text, '- name: none'),
          'an MCP resource needs exactly one of `call`, `steps` or `location`; this resource is skipped',
        ],
        [
          lineOf(text, '- name: both'),
          'an MCP resource needs exactly one of `call`, `steps` or `location` (it has `call` and `location`); this resource is skipped',
        ],
        [
          lineOf(text, 'location: https'),
          'resource location "https://example.com/docs" must be a file:/// folder; this resource is skipped',
        ],
        [
          lineOf(text, '- name: p1'),
          'an MCP prompt needs exactly one of `template` (messages) or `location` (a file:/// file); this prompt is skipped',
        ],
        [
          lineOf(text, '- role: system'),
          'each prompt message needs a `role` (user or assistant) and a text `content`; this prompt is skipped',
        ],
      ]);
      expect(unsupported(r)).toEqual([]);
    });
  });

  it('accepts one control adapter, names the management endpoints it does not serve, and skips a second', () => {
    const text = specText({
      moreExposes: `- type: control\n  port: 9999\n  management:\n    logs: true\n- type: control\n  port: 9998\n`,
    });
    const r = run(text);
    const [logs, ...others] = unsupported(r);
    expect(others).toEqual([]);
    expect(logs!.message).toBe(
      'unsupported: control management.logs (the control adapter serves health, status, metrics and traces only)',
    );
    expect(logs!.line).toBe(lineOf(text, 'logs: true'));
    const second = r.report.diagnostics.find((d) => d.code === 'duplicate-name')!;
    expect(second.message).toBe('a capability has one control adapter; this second one is skipped');
    expect(second.line).toBe(lineOf(text, 'port: 9998') - 1);
    expect(r.validation.skipped).toEqual(new Set(['exposes/3']));
  });

  it('skips a consumes import that was not resolved (imports.test.ts covers resolution)', () => {
    const text = specText({ moreConsumes: '- import: ./shared-consumes.yml\n  namespace: shared\n' });
    const r = run(text);
    expect(unsupported(r)).toEqual([]);
    const d = r.report.diagnostics.find((x) => x.code === 'import');
    expect(d!.message).toMatch(/could not be resolved; this consumes entry is skipped$/);
    expect(d!.line).toBe(lineOf(text, '- import:'));
    expect(r.validation.skipped).toEqual(new Set(['consumes/1']));
  });

  it('accepts the converted formats, and any other on a pass-through caller; skips a caller that maps it', () => {
    for (const format of ['xml', 'csv', 'tsv', 'psv', 'yaml', 'html', 'markdown', 'text']) {
      const ok = RESOURCES.replace(
        'description: Get a pet\n',
        `description: Get a pet\n    outputRawFormat: ${format}\n`,
      );
      expect(unsupported(run(specText({ resources: ok })))).toEqual([]);
    }
    // vs-code-marketplace/extension-discovery.yaml:77 (binary): the engine relays the raw entity when nothing maps it, and so does capgen.
    const resources = RESOURCES.replace(
      'description: Get a pet\n',
      'description: Get a pet\n    outputRawFormat: binary\n',
    );
    expect(resources).not.toBe(RESOURCES);
    const passing = run(specText({ resources }));
    expect(unsupported(passing)).toEqual([]);
    expect(passing.validation.skipped).toEqual(new Set());
    // A caller that maps the answer needs it as JSON: that caller is skipped, located at its mapping.
    const tools = TOOLS.replace(
      '  call: petstore.getpet\n',
      '  call: petstore.getpet\n  outputParameters:\n  - {name: name, type: string, mapping: $.name}\n',
    );
    expect(tools).not.toBe(TOOLS);
    const text = specText({ resources, tools });
    const r = run(text);
    const [d, ...others] = unsupported(r);
    expect(others).toEqual([]);
    expect(d!.message).toBe(
      'unsupported: outputRawFormat binary with a mapped output (capgen converts json, xml, yaml, csv, tsv, psv, html, markdown, text, avro, protobuf; another format is only relayed as it comes)',
    );
    expect(d!.line).toBe(lineOf(text, '  outputParameters:'));
    expect(r.validation.skipped).toEqual(new Set([TOOL_GET]));
  });

  it('accepts outputRawFormat json explicitly', () => {
    const resources = RESOURCES.replace(
      'description: Get a pet\n',
      'description: Get a pet\n    outputRawFormat: json\n',
    );
    expect(run(specText({ resources })).report.diagnostics).toEqual([]);
  });
});

describe('formats that need a schema file', () => {
  it('skips an avro operation without outputSchema, located at its format, and its callers', () => {
    const text = specText({
      resources: RESOURCES.replace(
        '    description: List pets\n',
        '    description: List pets\n    outputRawFormat: avro\n',
      ),
    });
    const r = run(text);
    const [d] = withCode(r, 'format-schema');
    expect(d!.message).toBe(
      'outputRawFormat avro needs `outputSchema` naming its schema file (.avsc); the operation is skipped',
    );
    expect(d!.line).toBe(lineOf(text, 'outputRawFormat: avro'));
    expect(r.validation.skipped).toContain('consumes/0/resources/0/operations/0');
  });

  it('skips a protobuf operation whose schema file cannot be read', () => {
    const text = specText({
      resources: RESOURCES.replace(
        '    description: List pets\n',
        '    description: List pets\n    outputRawFormat: protobuf\n    outputSchema: missing.proto\n',
      ),
    });
    const [d] = withCode(run(text), 'format-schema');
    expect(d!.message).toMatch(/^the protobuf schema file "missing.proto" cannot be read/);
    expect(d!.line).toBe(lineOf(text, 'outputSchema: missing.proto'));
  });
});
