import data from './ami-imds-support.json' with { type: 'json' };

/**
 * AMI families AWS documents as registered with `ImdsSupport: v2.0`, from ami-imds-support.json (each with
 * the AWS page that says so). An instance launched from such an AMI without `HttpTokens` in its launch
 * parameters gets `HttpTokens: required`, unless the account-level IMDS default says otherwise.
 */
export interface AmiFamily {
  family: string;
  imdsSupport: 'v2.0';
  /** Public SSM parameter names that resolve to an AMI of the family start with one of these. */
  ssmParameterPrefixes: string[];
  /** The AWS page that documents the family's ImdsSupport. */
  source: string;
}

const FAMILIES = data.families as AmiFamily[];

/** Where AWS documents how ImdsSupport v2.0 sets the HttpTokens default. */
export const IMDS_SUPPORT_SEMANTICS_SOURCE: string = data.semantics.source;

/** The documented v2.0 family that an SSM public parameter name (`/aws/service/…`) resolves to, if any. */
export function amiFamilyOfSsmParameter(name: string): AmiFamily | undefined {
  return FAMILIES.find((family) => family.ssmParameterPrefixes.some((prefix) => name.startsWith(prefix)));
}
