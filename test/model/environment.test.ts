// Stage 3 (model/): auth kinds, secrets and the environment variable names they read.
import { describe, expect, it } from 'vitest';
import { build, specText } from '../support/model-spec.js';
import { block } from '../support/text.js';

describe('auth and secrets', () => {
  const top = `
    binds:
    - namespace: creds
      keys:
        PET_KEY: PETSTORE_API_KEY
        PET_TOKEN: PETSTORE_TOKEN
        PET_USER: PETSTORE_USER
        PET_PASS: PETSTORE_PASSWORD
  `;
  const entry = (namespace: string, auth: string) => `
    - type: http
      namespace: ${namespace}
      baseUri: https://${namespace}.example.com
      authentication:
${block(auth, 8)}      resources:
      - name: r
        path: /r
        operations:
        - {name: op, method: GET}
  `;
  const consumes = [
    entry('key-header', 'type: apikey\nkey: X-Api-Key\nvalue: "{{env.PET_KEY}}"\nplacement: header'),
    entry('key-query', 'type: apikey\nkey: api_key\nvalue: "{{PET_KEY}}"\nplacement: query'),
    entry('bearer-api', 'type: bearer\ntoken: "{{creds.PET_TOKEN}}"'),
    entry('basic-api', 'type: basic\nusername: "{{PET_USER}}"\npassword: "{{creds.PET_PASS}}"'),
  ]
    .map((e) => block(e, 0))
    .join('');
  const exposes = `
    - type: mcp
      namespace: auth-mcp
      tools:
      - {name: a, description: a, call: key-header.op}
      - {name: b, description: b, call: key-query.op}
      - {name: c, description: c, call: bearer-api.op}
      - {name: d, description: d, call: basic-api.op}
  `;
  const { model, diagnostics } = build(specText({ consumes, exposes, top }));
  const secret = (variable: string) => ({ parts: [{ kind: 'secret', variable }] });

  it('builds every auth kind', () => {
    expect(diagnostics).toEqual([]);
    expect(model.apis.map((a) => a.auth)).toEqual([
      { kind: 'apikey', placement: 'header', name: 'X-Api-Key', value: secret('PET_KEY') },
      { kind: 'apikey', placement: 'query', name: 'api_key', value: secret('PET_KEY') },
      { kind: 'bearer', token: secret('PET_TOKEN') },
      { kind: 'basic', username: secret('PET_USER'), password: secret('PET_PASS') },
    ]);
  });

  it('resolves {{env.X}}, {{X}} and {{<bindNs>.X}} to the bind environment variable', () => {
    expect(model.secrets).toEqual([
      { variable: 'PET_KEY', env: 'PETSTORE_API_KEY' },
      { variable: 'PET_TOKEN', env: 'PETSTORE_TOKEN' },
      { variable: 'PET_USER', env: 'PETSTORE_USER' },
      { variable: 'PET_PASS', env: 'PETSTORE_PASSWORD' },
    ]);
    const secrets = model.env.filter((e) => e.secret).map((e) => e.name);
    expect(secrets).toEqual(['PETSTORE_API_KEY', 'PETSTORE_TOKEN', 'PETSTORE_USER', 'PETSTORE_PASSWORD']);
    // Bind variable names are not environment variables themselves.
    expect(model.env.map((e) => e.name)).not.toContain('PET_KEY');
  });

  it('reads an undeclared {{X}} from the environment variable X, with a warning', () => {
    const text = specText({
      consumes: entry('solo', 'type: bearer\ntoken: "{{OTHER_TOKEN}}"'),
      exposes: `
        - type: mcp
          namespace: solo-mcp
          tools:
          - {name: a, description: a, call: solo.op}
      `,
    });
    const { model: m, diagnostics: d } = build(text);
    expect(m.secrets).toEqual([{ variable: 'OTHER_TOKEN', env: 'OTHER_TOKEN' }]);
    expect(d.map((x) => x.code)).toEqual(['bind-undeclared']);
    expect(m.env).toContainEqual({
      name: 'OTHER_TOKEN',
      purpose: 'credential the spec reads as `{{OTHER_TOKEN}}`',
      secret: true,
    });
  });
});

describe('environment names', () => {
  it('names the base URL variable <NAMESPACE>_BASE_URL in upper snake case', () => {
    const consumes = `
      - type: http
        namespace: petStore.v2-api
        baseUri: https://pets.example.com/
        resources:
        - {name: r, path: /r, operations: [{name: op, method: GET}]}
    `;
    const exposes = `
      - type: rest
        namespace: pet-store-rest
        port: 8181
        resources:
        - path: /r
          operations:
          - {method: GET, name: op, call: petStore.v2-api.op}
      - type: mcp
        namespace: petStoreMcp
        tools:
        - {name: op, description: op, call: petStore.v2-api.op}
    `;
    const { model } = build(specText({ consumes, exposes }));
    const api = model.apis[0]!;
    expect(api.baseUrlEnv).toBe('PET_STORE_V2_API_BASE_URL');
    expect(api.timeoutEnv).toBe('PET_STORE_V2_API_TIMEOUT_MS');
    expect(api.baseUri).toEqual({ parts: [{ kind: 'text', text: 'https://pets.example.com' }] });
    expect(model.env.map((e) => e.name)).toEqual([
      'PET_STORE_V2_API_BASE_URL',
      'PET_STORE_V2_API_TIMEOUT_MS',
      'PET_STORE_V2_API_MAX_RESPONSE_BYTES',
      'PET_STORE_V2_API_RETRY_AFTER_MAX_MS',
      'PET_STORE_REST_PORT',
      'PET_STORE_MCP_PORT',
    ]);
    expect(model.rest[0]!.port).toBe(8181);
    expect(model.mcp[0]!.port).toBe(9090);
  });
});
