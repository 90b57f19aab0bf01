import { expandActionPattern } from '../../aws-data/iam-data.js';
import type { Severity } from '../../findings/severity.js';
import type { ResourceGrant } from '../../model/resource-grants.js';

/** What a set of granted actions exposes, graded for public access. */
export interface Exposure {
  severity: Severity;
  /** `read data (s3:GetObject)`, `change its policy (s3:PutBucketPolicy)`. */
  what: string;
}

/**
 * Grades what anyone would get, from AWS's access levels of the granted actions: every action,
 * permissions management or writes are critical; reads and lists high; invoking a function high,
 * invoking an API Gateway API medium (the API's own authorisers still apply); tagging medium.
 */
export function exposureOf(grant: Pick<ResourceGrant, 'actions' | 'notAction'>): Exposure {
  if (grant.notAction) return { severity: 'critical', what: 'every action except those in NotAction' };
  const texts = grant.actions;
  if (texts.some((a) => a === '*')) return { severity: 'critical', what: 'every action ("*")' };
  const serviceWide = texts.find((a) => a !== undefined && /^[a-z0-9-]+:\*$/i.test(a));
  if (serviceWide !== undefined) return { severity: 'critical', what: `every ${serviceWide.split(':')[0]} action on it (${serviceWide})` };
  const byLevel = new Map<string, string>();
  const unknown: string[] = [];
  for (const text of texts) {
    if (text === undefined) {
      unknown.push('(an action not known until deployment)');
      continue;
    }
    const infos = expandActionPattern(text);
    if (infos.length === 0) unknown.push(text);
    for (const info of infos) {
      const level = /^execute-api:/i.test(info.name) ? 'api' : /^lambda:Invoke/i.test(info.name) ? 'invoke' : info.accessLevels.includes('Permissions management') ? 'Permissions management' : info.accessLevels[0] ?? 'Write';
      if (!byLevel.has(level)) byLevel.set(level, text === info.name ? text : `${text}, e.g. ${info.name}`);
    }
  }
  const pick = (level: string) => byLevel.get(level);
  if (pick('Permissions management') !== undefined) return { severity: 'critical', what: `change its permissions (${pick('Permissions management')})` };
  if (pick('Write') !== undefined) return { severity: 'critical', what: `write to it or act on it (${pick('Write')})` };
  if (unknown.length > 0) return { severity: 'high', what: `actions trustgate cannot grade (${unknown.join(', ')})` };
  if (pick('Read') !== undefined) return { severity: 'high', what: `read its data (${pick('Read')})` };
  if (pick('List') !== undefined) return { severity: 'high', what: `list its contents (${pick('List')})` };
  if (pick('invoke') !== undefined) return { severity: 'high', what: `invoke the function (${pick('invoke')})` };
  if (pick('api') !== undefined) return { severity: 'medium', what: `call the API (${pick('api')}); only its own authorisers stand in the way` };
  if (pick('Tagging') !== undefined) return { severity: 'medium', what: `tag it (${pick('Tagging')})` };
  return { severity: 'high', what: 'the listed actions' };
}

/** `s3:GetObject, s3:PutObject` for messages, shortened. */
export function describeActions(grant: Pick<ResourceGrant, 'actions' | 'notAction'>): string {
  if (grant.notAction) return `every action except ${grant.actions.filter((a) => a !== undefined).join(', ')}`;
  const known = grant.actions.map((a) => a ?? '(unknown)');
  return known.length > 4 ? `${known.slice(0, 4).join(', ')} and ${known.length - 4} more` : known.join(', ');
}
