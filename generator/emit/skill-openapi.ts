// Emits openapi.<namespace>.json: an OpenAPI 3.1 description of a skill adapter's read-only
// catalog (runtime/skill.ts serves the routes and this document), with the skill names as the
// values its {name} parameter takes.
import type { Capability, SkillAdapter } from '../model/types.js';
import { jsonDocument } from './escape.js';
import { render } from './render.js';

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/CatalogError' } } },
});

export function emitSkillOpenApi(model: Capability, adapter: SkillAdapter): string {
  return render('openapi.json.hbs', { document: jsonDocument(document(model, adapter)) });
}

function document(model: Capability, adapter: SkillAdapter): object {
  const tag = adapter.namespace;
  const names = adapter.skills.map((s) => s.name);
  const listed = names.map((n) => {
    const description = adapter.skills.find((s) => s.name === n)?.description;
    return description === undefined ? `\`${n}\`` : `\`${n}\`: ${description}`;
  });
  const nameParam = {
    name: 'name',
    in: 'path',
    required: true,
    description: `The skill: ${listed.join('; ')}.`,
    schema: { type: 'string', enum: names },
  };
  const json = (schema: object) => ({ 'application/json': { schema } });
  const get = (operationId: string, summary: string, description: string, responses: object) => ({
    get: { operationId, tags: [tag], summary, description, responses },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: `${model.title}: skills`,
      version: '1.0.0',
      description:
        adapter.description ??
        `The skill catalog ${adapter.namespace}: metadata that points agents at tools.`,
    },
    servers: [
      {
        url: `http://${adapter.address === '0.0.0.0' ? '127.0.0.1' : adapter.address}:${adapter.port}`,
        description: 'The generated server',
      },
    ],
    tags: [{ name: tag, description: adapter.description ?? `The skills of ${adapter.namespace}.` }],
    paths: {
      '/skills': get('listSkills', 'List the skills', 'Every skill of the catalog, with its tool names.', {
        '200': { description: 'The catalog.', content: json({ $ref: '#/components/schemas/SkillList' }) },
      }),
      '/skills/{name}': {
        parameters: [nameParam],
        ...get('getSkill', 'Get one skill', 'The skill with its catalog fields and its tools.', {
          '200': { description: 'The skill.', content: json({ $ref: '#/components/schemas/Skill' }) },
          '404': error('No skill has that name.'),
        }),
      },
      '/skills/{name}/download': {
        parameters: [nameParam],
        ...get(
          'downloadSkill',
          'Download a skill folder',
          "Every file of the skill's `location` folder, as one ZIP archive.",
          {
            '200': {
              description: 'The archive.',
              headers: {
                'Content-Disposition': {
                  description: 'attachment; filename="<name>.zip"',
                  schema: { type: 'string' },
                },
              },
              content: {
                'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } },
              },
            },
            '404': error('No skill has that name, or it has no contents folder.'),
          },
        ),
      },
      '/skills/{name}/contents': {
        parameters: [nameParam],
        ...get(
          'listSkillFiles',
          'List the files of a skill',
          "The regular files under the skill's `location` folder (symlinks are not followed).",
          {
            '200': { description: 'The files.', content: json({ $ref: '#/components/schemas/SkillFiles' }) },
            '404': error('No skill has that name, or it has no contents folder.'),
          },
        ),
      },
      '/skills/{name}/contents/{file}': {
        parameters: [
          nameParam,
          {
            name: 'file',
            in: 'path',
            required: true,
            description:
              'A path inside the folder, as listed by /skills/{name}/contents; it may hold `/`. `..`, encoded separators and symlinks that lead out are refused.',
            schema: { type: 'string' },
          },
        ],
        ...get('getSkillFile', 'Get one file of a skill', 'The file, with the media type of its extension.', {
          '200': {
            description: 'The file.',
            content: { '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
          },
          '400': error('The path leads out of the folder.'),
          '404': error('No skill has that name, or no such file.'),
        }),
      },
    },
    components: {
      schemas: {
        SkillList: {
          type: 'object',
          required: ['count', 'skills'],
          properties: {
            count: { type: 'integer' },
            skills: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'description', 'tools'],
                properties: {
                  name: { type: 'string' },
                  description: { type: ['string', 'null'] },
                  license: { type: 'string' },
                  tools: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          },
        },
        Skill: {
          type: 'object',
          description: 'The catalog fields the spec sets (license, metadata, …) appear as written.',
          required: ['name', 'description', 'tools'],
          properties: {
            name: { type: 'string' },
            description: { type: ['string', 'null'] },
            tools: { type: 'array', items: { $ref: '#/components/schemas/SkillTool' } },
          },
          additionalProperties: true,
        },
        SkillTool: {
          type: 'object',
          required: ['name', 'description', 'type'],
          properties: {
            name: { type: 'string' },
            description: { type: ['string', 'null'] },
            type: { type: 'string', enum: ['derived', 'instruction'] },
            invocationRef: {
              type: 'object',
              description: 'For a derived tool: the sibling adapter and action that serve it.',
              required: ['targetNamespace', 'action', 'mode'],
              properties: {
                targetNamespace: { type: 'string' },
                action: { type: 'string' },
                mode: { type: 'string' },
              },
            },
            instruction: { type: 'string', description: 'For an instruction tool: its file in the folder.' },
          },
        },
        SkillFiles: {
          type: 'object',
          required: ['name', 'files'],
          properties: {
            name: { type: 'string' },
            files: {
              type: 'array',
              items: {
                type: 'object',
                required: ['path', 'size', 'type'],
                properties: {
                  path: { type: 'string' },
                  size: { type: 'integer' },
                  type: { type: 'string', description: 'The media type of its extension.' },
                },
              },
            },
          },
        },
        CatalogError: {
          type: 'object',
          required: ['error', 'message'],
          properties: { error: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  };
}
