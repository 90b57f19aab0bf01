import data from './confused-deputy-services.json' with { type: 'json' };
import { serviceName } from './service-principal.js';

/**
 * AWS service principals that act for every customer and pin their requests with aws:SourceArn /
 * aws:SourceAccount (confused-deputy-services.json, each with the AWS page that documents it).
 */
export interface ConfusedDeputyService {
  /** `s3.amazonaws.com`, as AWS writes it. */
  principal: string;
  /** `s3`: the principal as trustgate's principal model names services (`serviceName`). */
  service: string;
  /** What the service does for a resource policy: `sending event notifications to …`. */
  for: string;
  /** What pins it: `the bucket ARN and its account`. */
  pin: string;
  /** The AWS page that documents the resource policy and the keys. */
  source: string;
}

/** The IAM User Guide page asking for the source keys in every resource policy that trusts a service. */
export const CONFUSED_DEPUTY_GENERAL_SOURCE: string = data.general;

export const CONFUSED_DEPUTY_DATA: readonly ConfusedDeputyService[] = data.services.map((entry) => ({ ...entry, service: serviceName(entry.principal) }));

const byService = new Map(CONFUSED_DEPUTY_DATA.map((entry) => [entry.service, entry]));

/** The entry for a service name as the principal model gives it (`logs` for `logs.eu-west-1.amazonaws.com`). */
export function confusedDeputyService(service: string): ConfusedDeputyService | undefined {
  return byService.get(service.toLowerCase());
}
