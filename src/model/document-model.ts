import { minimatch } from 'minimatch';
import type { ParsedDocument } from '../parse/parse-file.js';
import { IntrinsicResolver } from './intrinsics.js';
import { filePolicy, templatePolicies } from './policy-locations.js';
import type { PolicyDocument } from './policy.js';
import { Template } from './template.js';
import type { EngineOptions } from './options.js';
import { vocabularyOf, type Vocabulary } from './vocabulary.js';

/**
 * Everything rules read about one document, built lazily and once: rules that need the template
 * index, the policies or a derived model (principals and grants) share the same instance.
 */
export class DocumentModel {
  private templateCache: Template | undefined;
  private resolverCache: IntrinsicResolver | undefined;
  private policiesCache: PolicyDocument[] | undefined;
  private readonly derived = new Map<string, unknown>();

  constructor(
    readonly document: ParsedDocument,
    readonly options: EngineOptions,
  ) {}

  get file() {
    return this.document.file;
  }

  /** The template index; `undefined` for plain policy files. */
  get template(): Template | undefined {
    if (this.document.kind !== 'cloudformation') return undefined;
    return (this.templateCache ??= new Template(this.document));
  }

  /** The words messages use for this document's resources and properties (src/model/vocabulary.ts). */
  get vocabulary(): Vocabulary {
    return vocabularyOf(this.document);
  }

  get resolver(): IntrinsicResolver {
    return (this.resolverCache ??= new IntrinsicResolver(this.template));
  }

  /** Every policy document in the file, each with its owner and kind. */
  get policies(): PolicyDocument[] {
    if (this.policiesCache === undefined) {
      const template = this.template;
      this.policiesCache = template !== undefined ? templatePolicies(template, this.resolver) : [filePolicy(this.document, this.resolver, this.isScpFile() ? 'scp' : undefined)];
    }
    return this.policiesCache;
  }

  /**
   * A model derived from this document, computed on first use and shared by every rule after that
   * (for example the principal/grant graph). `key` must be unique per kind of model.
   */
  derive<T>(key: string, compute: (model: DocumentModel) => T): T {
    if (!this.derived.has(key)) this.derived.set(key, compute(this));
    return this.derived.get(key) as T;
  }

  private isScpFile(): boolean {
    return this.options.scpPaths.some((pattern) => matchesGlob(this.document.file.path, pattern));
  }
}

function matchesGlob(path: string, pattern: string): boolean {
  return minimatch(path, pattern, { dot: true });
}
