import { unboundSpelling } from '../terraform/unbound-spelling.js';
import { CLOUDFORMATION_VOCABULARY, vocabularyOfSpelling, type Vocabulary } from '../model/vocabulary.js';

/**
 * The words of a language for text about no document in particular: a rule shown on its own (SARIF help,
 * `/trustgate explain`). CloudFormation's are its vocabulary's; Terraform's spell a property as the mapping
 * does on every Terraform type that has it (src/terraform/unbound-spelling.ts).
 */
export function unboundVocabulary(language: Vocabulary['language']): Vocabulary {
  return language === 'cloudformation' ? CLOUDFORMATION_VOCABULARY : vocabularyOfSpelling(unboundSpelling());
}
