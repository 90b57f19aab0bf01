import { linkParents, mapNode, scalarNode, seqNode, type MapEntry, type SourceNode } from '../parse/nodes.js';
import { setOrigin } from '../parse/node-origin.js';
import type { ParsedDocument, TerraformResourceView } from '../parse/parse-file.js';
import { SourceFile } from '../parse/source-file.js';
import { blockInstances, blockObject, evaluateAttr, type Declared, type Env, type ModuleScope } from './evaluate.js';
import { parseHcl, type Body } from './hcl.js';
import { parseTerraformJson, parseTfvarsJson } from './json-syntax.js';
import { resolveLocalSource } from './paths.js';
import { mapResources } from './resources.js';
import type { Unchecked } from './unchecked.js';
import { terraformSpelling, type Spelled } from './vocabulary.js';

export type { Unchecked } from './unchecked.js';
import { renderPolicyDocument } from './policy-document.js';
import type { Loc, ObjectEntry, Value } from './values.js';

/** A place trustgate could not read (syntax error, unreadable file): becomes a parse-error finding. */
export interface TerraformProblem {
  file: SourceFile;
  start: number;
  end: number;
  message: string;
  /** The file was not read at all: larger than {@link MAX_TERRAFORM_FILE_CHARS}. */
  tooLarge?: boolean;
}

/**
 * Terraform files above this size are reported, not parsed: the grammar reads about a megabyte a
 * second in wasm, and real modules are far smaller (the largest of terraform-aws-modules is 60 KB).
 */
// The largest file of the 566 in terraform-aws-modules is 76 KB; tree-sitter takes seconds and a gigabyte
// on a few megabytes of hostile expression before any bound of ours applies.
export const MAX_TERRAFORM_FILE_CHARS = 1024 * 1024;

export interface TerraformModule {
  dir: string;
  /** One document for the whole directory, CloudFormation-shaped; `undefined` when no file could be read. */
  document: ParsedDocument | undefined;
  files: SourceFile[];
  problems: TerraformProblem[];
  unchecked: Unchecked[];
  /** Other files the module reads with file(): their findings are the module's, they are not scanned alone. */
  consumed: string[];
}

export interface TerraformInputFile {
  path: string;
  text: string;
}

/**
 * Reads the Terraform files of one directory as one module and maps it into the model every rule
 * reads: a CloudFormation-shaped template whose logical ids are Terraform addresses, references as
 * `Ref`/`Fn::GetAtt`, variables as parameters and what is only known at apply as `Fn::Unresolved`. Every
 * node keeps its offsets in the `.tf` file it was written in (see parse/node-origin.ts).
 *
 * `readFile` gives other files of the scanned set (for `file()`), by path relative to the root.
 */
export interface ReadOptions {
  /** Other files of the scanned set (for `file()`), by path relative to the root. */
  readFile?: (path: string) => string | undefined;
  /** The Terraform files of another directory of the scanned set, for local module calls. */
  moduleFiles?: (dir: string) => readonly TerraformInputFile[] | undefined;
  /** Parses shared between the modules of one scan (a local module is read by each caller). */
  parseCache?: Map<string, { text: string; result: ReturnType<typeof parseHcl> }>;
}

/** Local modules are followed this many calls deep (as the app reads them). */
const MAX_MODULE_DEPTH = 3;
/** Instances of one module call judged (a known count or for_each); the rest are left out. */
const MAX_MODULE_INSTANCES = 8;

export function readTerraformModule(dir: string, inputs: readonly TerraformInputFile[], options: ReadOptions | ((path: string) => string | undefined) = {}): TerraformModule {
  const settings: ReadOptions = typeof options === 'function' ? { readFile: options } : options;
  const readFile = settings.readFile ?? (() => undefined);
  const parseCache = settings.parseCache ?? new Map();
  const files = inputs.map((input) => new SourceFile(input.path, input.text));
  const problems: TerraformProblem[] = [];
  const unchecked: Unchecked[] = [];
  const fileCache = new Map<string, SourceFile | undefined>(files.map((file) => [file.path, file]));
  const parameters: ModuleScope['parameters'] = new Map();
  const readOther = (path: string): SourceFile | undefined => {
    if (!fileCache.has(path)) {
      const text = readFile(path);
      fileCache.set(path, text === undefined ? undefined : new SourceFile(path, text));
    }
    return fileCache.get(path);
  };
  const parse = (file: SourceFile) => {
    const cached = parseCache.get(file.path);
    if (cached !== undefined && cached.text === file.text) return cached.result;
    const lower = file.path.toLowerCase();
    const result = lower.endsWith('.tf.json') ? parseTerraformJson(file.text) : lower.endsWith('.json') ? parseTfvarsJson(file.text) : parseHcl(file.text);
    parseCache.set(file.path, { text: file.text, result });
    return result;
  };
  const newScope = (scopeDir: string, prefix: string): ModuleScope => {
    const scope: ModuleScope = {
      dir: scopeDir,
      prefix,
      children: new Map(),
      outputs: new Map(),
      instances: new Map(),
      variables: new Map(),
      locals: new Map(),
      resources: new Map(),
      data: new Map(),
      modules: new Map(),
      parameters,
      policyDocuments: new Map(),
      readFile: readOther,
      renderPolicyDocument(address) {
        return renderPolicyDocument(scope, address, unchecked);
      },
    };
    return scope;
  };

  const scope = newScope(dir, '');
  const tfvars: { body: Body; file: SourceFile }[] = [];
  for (const file of files) {
    const lower = file.path.toLowerCase();
    if (file.text.length > MAX_TERRAFORM_FILE_CHARS) {
      problems.push({ file, start: 0, end: 0, tooLarge: true, message: `the file is larger than ${MAX_TERRAFORM_FILE_CHARS / (1024 * 1024)} MiB and was not scanned` });
      continue;
    }
    const parsed = parse(file);
    if (!parsed.ok) {
      problems.push({ file, ...parsed.problem });
      continue;
    }
    for (const problem of parsed.problems) problems.push({ file, ...problem });
    if (!lower.endsWith('.tf') && !lower.endsWith('.tf.json')) {
      tfvars.push({ body: parsed.body, file });
      continue;
    }
    declare(scope, parsed.body, file);
  }
  // terraform.tfvars first, then *.auto.tfvars in name order: a later file wins, as Terraform loads them.
  tfvars.sort((a, b) => rank(a.file.path) - rank(b.file.path) || (a.file.path < b.file.path ? -1 : 1));
  for (const { body, file } of tfvars) {
    for (const attribute of body.attributes) {
      const variable = scope.variables.get(attribute.name);
      if (variable !== undefined) variable.tfvar = { expr: attribute.expr, file };
    }
  }
  const mainFile = files.find((file) => file.path.toLowerCase().endsWith('/main.tf') || file.path.toLowerCase() === 'main.tf') ?? files.find((file) => file.path.toLowerCase().endsWith('.tf')) ?? files[0];
  if (mainFile === undefined || (scope.resources.size === 0 && scope.data.size === 0 && scope.modules.size === 0)) {
    return { dir, document: undefined, files, problems, unchecked, consumed: [] };
  }

  // Module calls: registry and remote sources are reported; local ones are read with the caller's inputs.
  const scopes: ModuleScope[] = [scope];
  const instantiate = (parent: ModuleScope, depth: number, chain: string[]): void => {
    for (const module of parent.modules.values()) {
      const env: Env = { scope: parent, file: module.file, depth: 0 };
      const source = evaluateAttr(module.block.body, 'source', env);
      const text = source?.k === 'scalar' && typeof source.v === 'string' ? source.v : undefined;
      const label = module.block.labels[0];
      const address = `${parent.prefix}module.${module.name}`;
      if (text === undefined || !(text.startsWith('./') || text.startsWith('../'))) {
        unchecked.push({
          file: module.file,
          start: module.block.start,
          end: label?.end ?? module.block.start,
          resource: address,
          message: `${address} comes from ${text === undefined ? 'a source not known before apply' : `"${text}"`}, which trustgate never downloads: the roles, policies and instances it creates are not checked.`,
        });
        continue;
      }
      const childDir = resolveLocalSource(parent.dir, text);
      const childFiles = childDir === undefined ? undefined : settings.moduleFiles?.(childDir);
      if (childDir === undefined || childFiles === undefined || depth >= MAX_MODULE_DEPTH || chain.includes(childDir)) continue;
      // A known count or for_each: one call per instance, with each/count bound in its inputs (none when
      // it is empty); otherwise one call stands for all, each.* unknown.
      const instances = blockInstances(parent, module);
      for (const instance of instances === null ? [undefined] : instances.slice(0, MAX_MODULE_INSTANCES)) {
        const child = newScope(childDir, `${address}${instance?.suffix ?? ''}.`);
        for (const input of childFiles) {
          if (!input.path.toLowerCase().endsWith('.tf') && !input.path.toLowerCase().endsWith('.tf.json')) continue;
          const file = new SourceFile(input.path, input.text);
          if (file.text.length > MAX_TERRAFORM_FILE_CHARS) continue;
          const parsed = parse(file);
          if (parsed.ok) declare(child, parsed.body, file);
        }
        const inputEnv: Env = instance === undefined ? env : { ...env, symbols: instance.symbols };
        for (const attribute of module.block.body.attributes) {
          const variable = child.variables.get(attribute.name);
          if (variable !== undefined && !MODULE_META_ARGUMENTS.has(attribute.name)) variable.input = { expr: attribute.expr, env: inputEnv };
        }
        // module.x.<output> of a call with instances is a map of them: not read as one instance's output.
        if (instance === undefined) parent.children.set(module.name, child);
        scopes.push(child);
        instantiate(child, depth + 1, [...chain, childDir]);
      }
    }
  };
  instantiate(scope, 0, [dir]);
  const written: { address: string; type: string; obj: Value }[] = [];
  const spellings = new Map<string, Spelled>();
  const resources = mapResources(scopes, unchecked, written, spellings);
  const terraformResources = written.map(({ address, type, obj }): TerraformResourceView => {
    let node: SourceNode | undefined;
    return {
      address,
      type,
      attributes() {
        if (node === undefined) linkParents((node = toNode(obj)));
        return node;
      },
    };
  });
  const parameterEntries: ObjectEntry[] = [];
  for (const parameter of parameters.values()) {
    const entries: ObjectEntry[] = [{ key: 'Type', keyLoc: parameter.loc, value: { k: 'scalar', v: 'String', loc: parameter.loc } }];
    if (parameter.default !== undefined) entries.push({ key: 'Default', keyLoc: parameter.default.loc, value: parameter.default });
    if (parameter.source !== undefined) entries.push({ key: 'x-terraform-source', keyLoc: parameter.loc, value: { k: 'scalar', v: parameter.source, loc: parameter.loc } });
    parameterEntries.push({ key: parameter.name, keyLoc: parameter.loc, value: { k: 'object', entries, loc: parameter.loc } });
  }
  const rootLoc: Loc = { file: mainFile, start: 0, end: 0 };
  const template: Value = {
    k: 'object',
    entries: [
      { key: 'AWSTemplateFormatVersion', keyLoc: rootLoc, value: { k: 'scalar', v: '2010-09-09', loc: rootLoc } },
      { key: 'Parameters', keyLoc: rootLoc, value: { k: 'object', entries: parameterEntries, loc: rootLoc } },
      { key: 'Resources', keyLoc: rootLoc, value: { k: 'object', entries: resources, loc: rootLoc } },
    ],
    loc: rootLoc,
  };
  const root = toNode(template);
  linkParents(root);
  const consumed = [...fileCache].filter(([path, file]) => file !== undefined && !inputs.some((input) => input.path === path)).map(([path]) => path);
  return { dir, document: { kind: 'cloudformation', file: mainFile, root, language: 'terraform', terraformResources, spelling: terraformSpelling(spellings, new Map(written.map((resource) => [resource.address, resource.type]))) }, files, problems, unchecked, consumed };
}

/** Arguments of a module block that are not inputs of the module. */
const MODULE_META_ARGUMENTS = new Set(['source', 'version', 'count', 'for_each', 'providers', 'depends_on']);

function rank(path: string): number {
  return /(^|\/)terraform\.tfvars(\.json)?$/i.test(path) ? 0 : 1;
}

function declare(scope: ModuleScope, body: Body, file: SourceFile): void {
  for (const block of body.blocks) {
    if (block.hasError) continue;
    const labels = block.labels.map((label) => label.value);
    const declared: Declared = { block, file };
    switch (block.type) {
      case 'variable':
        if (labels[0] !== undefined) scope.variables.set(labels[0], { ...declared, name: labels[0] });
        break;
      case 'locals':
        for (const attribute of block.body.attributes) scope.locals.set(attribute.name, { expr: attribute.expr, file });
        break;
      case 'resource':
        if (labels[0] !== undefined && labels[1] !== undefined) scope.resources.set(`${labels[0]}.${labels[1]}`, { ...declared, type: labels[0], name: labels[1] });
        break;
      case 'data':
        if (labels[0] !== undefined && labels[1] !== undefined) scope.data.set(`data.${labels[0]}.${labels[1]}`, { ...declared, type: labels[0], name: labels[1] });
        break;
      case 'module':
        if (labels[0] !== undefined) scope.modules.set(labels[0], { ...declared, name: labels[0] });
        break;
      case 'output': {
        const value = block.body.attributes.find((attribute) => attribute.name === 'value');
        if (labels[0] !== undefined && value !== undefined) scope.outputs.set(labels[0], { expr: value.expr, file });
        break;
      }
    }
  }
}

export { blockObject };

/** The value tree as source nodes: CloudFormation intrinsics for what stays symbolic; every node keeps its file. */
export function toNode(value: Value, parentFile?: SourceFile): SourceNode {
  const { file, start, end } = value.loc;
  const child = (inner: Value) => toNode(inner, file);
  const node = ((): SourceNode => {
    switch (value.k) {
      case 'scalar':
        return scalarNode(value.v, start, end);
      case 'list':
        return seqNode(value.items.map(child), start, end);
      case 'object':
        return mapNode(
          value.entries.map((entry): MapEntry => {
            const key = scalarNode(entry.key, entry.keyLoc.start, entry.keyLoc.end);
            if (entry.keyLoc.file !== file) setOrigin(key, entry.keyLoc.file);
            return { key, value: child(entry.value) };
          }),
          start,
          end,
        );
      case 'ref':
        return value.attr === undefined ? intrinsic('Ref', scalarNode(value.target, start, end), value.loc) : intrinsic('Fn::GetAtt', seqNode([scalarNode(value.target, start, end), scalarNode(value.attr, start, end)], start, end), value.loc);
      case 'param':
      case 'pseudo':
        return intrinsic('Ref', scalarNode(value.name, start, end), value.loc);
      case 'absent':
        return intrinsic('Ref', scalarNode('AWS::NoValue', start, end), value.loc);
      case 'concat':
        return intrinsic('Fn::Join', seqNode([scalarNode('', start, end), seqNode(value.parts.map(child), start, end)], start, end), value.loc);
      case 'cond':
        return intrinsic('Fn::If', seqNode([scalarNode('terraform-conditional', start, end), child(value.whenTrue), child(value.whenFalse)], start, end), value.loc);
      case 'unknown':
        return intrinsic('Fn::Unresolved', scalarNode(value.reason, start, end), value.loc);
    }
  })();
  // Only where the file changes: a node without an entry is in its nearest ancestor's file.
  if (file !== parentFile) setOrigin(node, file);
  return node;
}

function intrinsic(name: string, argument: SourceNode, loc: Loc): SourceNode {
  const key = scalarNode(name, loc.start, loc.end);
  return mapNode([{ key, value: argument }], loc.start, loc.end);
}
