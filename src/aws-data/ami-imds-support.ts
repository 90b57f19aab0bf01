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
  /** An image query (owners + name filter, Terraform's data "aws_ami") that selects only AMIs of the family. */
  imageQuery?: { owners: string[]; namePrefixes: string[]; source: string };
}

const FAMILIES = data.families as AmiFamily[];

/** Where AWS documents how ImdsSupport v2.0 sets the HttpTokens default. */
export const IMDS_SUPPORT_SEMANTICS_SOURCE: string = data.semantics.source;

/** The documented v2.0 family that an SSM public parameter name (`/aws/service/…`) resolves to, if any. */
export function amiFamilyOfSsmParameter(name: string): AmiFamily | undefined {
  return FAMILIES.find((family) => family.ssmParameterPrefixes.some((prefix) => name.startsWith(prefix)));
}

/**
 * The documented v2.0 family an image query selects, if every image it may return is one: every owner is one
 * of the family's (Amazon's alias or account) and every value of a `name` filter starts with one of the
 * family's image-name prefixes (wildcards only after it). `undefined` for any other query.
 */
export function amiFamilyOfImageQuery(owners: readonly string[], names: readonly string[]): AmiFamily | undefined {
  if (owners.length === 0 || names.length === 0) return undefined;
  return FAMILIES.find((family) => {
    const query = family.imageQuery;
    if (query === undefined) return false;
    return owners.every((owner) => query.owners.includes(owner)) && names.every((name) => query.namePrefixes.some((prefix) => name.startsWith(prefix)));
  });
}
