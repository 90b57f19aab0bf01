import type { SourceFile } from '../parse/source-file.js';

/** What a module leaves unchecked (a value only known at apply, a module trustgate does not read), at its place. */
export interface Unchecked {
  file: SourceFile;
  start: number;
  end: number;
  /** The Terraform address concerned. */
  resource?: string;
  message: string;
}
