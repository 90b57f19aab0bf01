import { hopLimitProblems, instanceMetadata, sourceLabel } from '../../model/instance-metadata.js';
import type { Rule } from '../types.js';

/**
 * HttpPutResponseHopLimit above 1 wherever metadata options are written. 2 is what containers on
 * EKS/ECS with bridge networking need to reach IMDSv2 (low); more than 2 lets a token travel past the
 * host's own containers (medium).
 */
export const hopLimit: Rule = {
  meta: {
    id: 'imdsv2/hop-limit',
    title: 'IMDS token hop limit above 1',
    category: 'imdsv2',
    severity: 'low',
    why: 'The IMDSv2 token response is sent with an IP TTL equal to the hop limit; above 1 it survives a hop off the instance, so a container or a forwarding host can fetch a token and the role credentials with it.',
    fix: 'Use HttpPutResponseHopLimit 1 on hosts without containers, 2 where containers on the host need IMDS (EKS/ECS bridge networking); never more.',
    docs: 'docs/rules/imdsv2/hop-limit.md',
  },
  appliesTo: ['cloudformation'],
  check({ model, report }) {
    for (const source of instanceMetadata(model).sources) {
      for (const problem of hopLimitProblems(model.resolver, source)) {
        const label = sourceLabel(source);
        if (problem.value === undefined) {
          report({
            node: problem.node,
            resource: source.resource.logicalId,
            severity: 'low',
            message: `${label} ${problem.detail}: a hop limit above 1 lets IMDSv2 tokens leave the instance.`,
            related: problem.related,
          });
        } else if (problem.value === 2) {
          report({
            node: problem.node,
            resource: source.resource.logicalId,
            severity: 'low',
            message: `${label} ${problem.detail}: tokens reach one hop beyond the instance. 2 is what containers on EKS/ECS with bridge networking need to use IMDSv2; if nothing in a container reads instance metadata, use 1.`,
            related: problem.related,
          });
        } else {
          report({
            node: problem.node,
            resource: source.resource.logicalId,
            severity: 'medium',
            message: `${label} ${problem.detail}: IMDSv2 tokens survive ${problem.value - 1} hops beyond the instance, further than any container on the host needs (2 covers EKS/ECS bridge networking).`,
            related: problem.related,
          });
        }
      }
    }
  },
};
