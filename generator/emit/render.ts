// Loads the Handlebars templates in templates/ and renders them. A template may only emit
// values through the helpers below, which all come from escape.ts; a plain `{{value}}` is
// rejected when the template loads, so spec text can never be interpolated raw.
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { Code, doc, ident, lit, md, mdCode, mdProse } from './escape.js';

const hb = Handlebars.create();
const HELPERS: Record<string, (...args: unknown[]) => string> = {
  code: (value) => {
    if (!(value instanceof Code))
      throw new Error('generator bug: {{code}} received a value that is not Code');
    return value.text;
  },
  lit: (value) => lit(value).text,
  ident: (value) => ident(String(value)).text,
  doc: (value) => doc(value as string | undefined).text,
  md: (value) => md(value as string | undefined).text,
  mdcode: (value) => mdCode(value as string | undefined).text,
  mdprose: (value) => mdProse(value as string | undefined).text,
};
for (const [name, fn] of Object.entries(HELPERS)) {
  hb.registerHelper(name, (...args: unknown[]) => fn(...args.slice(0, -1)));
}
const BLOCK_HELPERS = new Set(['each', 'if', 'unless', 'with']);

const cache = new Map<string, Handlebars.TemplateDelegate>();
const templatesDir = new URL('../../templates/', import.meta.url);

export function render(name: string, view: object): string {
  let template = cache.get(name);
  if (!template) {
    const source = readFileSync(new URL(name, templatesDir), 'utf8');
    checkTemplate(name, source);
    template = hb.compile(source, { noEscape: true, strict: true });
    cache.set(name, template);
  }
  return template(view);
}

/** Every `{{…}}` must call an escape helper; block helpers may only be the built-in ones. */
export function checkTemplate(name: string, source: string): void {
  const visit = (node: hbs.AST.Node): void => {
    const n = node as hbs.AST.Node & {
      path?: hbs.AST.PathExpression;
      params?: unknown[];
      program?: hbs.AST.Program;
      inverse?: hbs.AST.Program;
      body?: hbs.AST.Statement[];
    };
    if (node.type === 'MustacheStatement') {
      const helper = n.path?.original;
      if (typeof helper !== 'string' || !(helper in HELPERS) || (n.params?.length ?? 0) !== 1) {
        throw new Error(
          `template ${name} line ${node.loc.start.line}: {{${String(helper)}}} is not an escape helper call (code, lit, ident, doc, md, mdcode, mdprose)`,
        );
      }
    }
    if (node.type === 'BlockStatement' && !BLOCK_HELPERS.has(String(n.path?.original))) {
      throw new Error(
        `template ${name} line ${node.loc.start.line}: block {{#${String(n.path?.original)}}} is not allowed`,
      );
    }
    if (
      node.type === 'PartialStatement' ||
      node.type === 'DecoratorBlock' ||
      node.type === 'PartialBlockStatement'
    ) {
      throw new Error(`template ${name} line ${node.loc.start.line}: partials are not used`);
    }
    for (const child of [...(n.body ?? []), ...(n.program?.body ?? []), ...(n.inverse?.body ?? [])])
      visit(child);
  };
  visit(hb.parse(source));
}
