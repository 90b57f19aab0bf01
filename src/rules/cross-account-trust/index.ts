import type { Rule } from '../types.js';
import { externalAccountWithoutExternalId } from './external-account-without-external-id.js';
import { federatedTrustConditions } from './federated-trust-conditions.js';
import { githubOidcTrust } from './github-oidc-trust.js';
import { notPrincipalTrust } from './not-principal-trust.js';
import { publicRoleTrust } from './public-role-trust.js';
import { trustPolicyWildcardAction } from './trust-policy-wildcard-action.js';

/** The cross-account-trust rules, listed by hand (see src/rules/index.ts). */
export const crossAccountTrustRules: readonly Rule[] = [
  externalAccountWithoutExternalId,
  federatedTrustConditions,
  githubOidcTrust,
  notPrincipalTrust,
  publicRoleTrust,
  trustPolicyWildcardAction,
];
