import { describe, expect, it } from 'vitest';
import { DocumentModel } from '../../src/model/document-model.js';
import { withDefaults } from '../../src/model/options.js';
import { instanceMetadata, instanceProfileOf, tokenProblems, type LaunchTarget } from '../../src/model/instance-metadata.js';
import { readInfrastructureFile } from '../../src/parse/parse-file.js';

function modelOf(yaml: string): DocumentModel {
  const outcome = readInfrastructureFile('t.yaml', yaml);
  if (outcome.status !== 'parsed') throw new Error('fixture did not parse');
  return new DocumentModel(outcome.document, withDefaults());
}

const lineOf = (model: DocumentModel, offset: number) => model.file.positionAt(offset).line;
const describeTarget = (target: LaunchTarget) => (target.kind === 'in-template' ? `in:${target.resource.logicalId}` : `ext:${target.description}`);

const consumers = `
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  SharedTemplate: { Type: String }
Resources:
  Lt:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateName: web-nodes
      LaunchTemplateData:
        IamInstanceProfile: { Arn: !GetAtt Profile.Arn }
  Lc:
    Type: AWS::AutoScaling::LaunchConfiguration
    Properties:
      ImageId: ami-1
      IamInstanceProfile: web-profile
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      InstanceProfileName: web-profile
      Roles: [some-role]
  Instance:
    Type: AWS::EC2::Instance
    Properties:
      LaunchTemplate: { LaunchTemplateName: web-nodes, Version: "1" }
      IamInstanceProfile: !Ref Profile
  Asg:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: "1"
      MaxSize: "1"
      LaunchConfigurationName: !Ref Lc
      MixedInstancesPolicy:
        LaunchTemplate:
          LaunchTemplateSpecification: { LaunchTemplateId: !GetAtt Lt.LaunchTemplateId }
          Overrides:
            - InstanceType: m5.large
              LaunchTemplateSpecification: { LaunchTemplateId: lt-0abc }
  Nodes:
    Type: AWS::EKS::Nodegroup
    Properties:
      LaunchTemplate: { Id: !Ref SharedTemplate }
  Fleet:
    Type: AWS::EC2::EC2Fleet
    Properties:
      LaunchTemplateConfigs:
        - LaunchTemplateSpecification: { LaunchTemplateName: !ImportValue shared-lt }
  Spot:
    Type: AWS::EC2::SpotFleet
    Properties:
      SpotFleetRequestConfigData:
        LaunchTemplateConfigs:
          - LaunchTemplateSpecification: { LaunchTemplateId: !Ref Lt }
  Batch:
    Type: AWS::Batch::ComputeEnvironment
    Properties:
      ComputeResources:
        LaunchTemplate:
          LaunchTemplateName: web-nodes
          Overrides:
            - LaunchTemplateId: lt-0def
`;

describe('instance metadata model', () => {
  const model = modelOf(consumers);
  const metadata = instanceMetadata(model);

  it('indexes the places settings are written', () => {
    expect(metadata.sources.map((s) => `${s.kind}:${s.resource.logicalId}`)).toEqual(['launch-template:Lt', 'launch-configuration:Lc', 'instance:Instance']);
    expect([...metadata.launchTemplates.keys()]).toEqual(['Lt']);
    expect([...metadata.launchConfigurations.keys()]).toEqual(['Lc']);
  });

  it('follows every consumer to its launch template or configuration, in the template or outside it', () => {
    expect(metadata.references.map((r) => `${r.consumer.logicalId} ${r.path} -> ${r.targets.map(describeTarget).join(',')}`)).toEqual([
      'Instance LaunchTemplate -> in:Lt',
      'Asg MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification -> in:Lt',
      'Asg MixedInstancesPolicy.LaunchTemplate.Overrides[0].LaunchTemplateSpecification -> ext:"lt-0abc"',
      'Asg LaunchConfigurationName -> in:Lc',
      'Nodes LaunchTemplate -> ext:parameter SharedTemplate',
      'Fleet LaunchTemplateConfigs[0].LaunchTemplateSpecification -> ext:imported from another stack (Fn::ImportValue shared-lt)',
      'Spot SpotFleetRequestConfigData.LaunchTemplateConfigs[0].LaunchTemplateSpecification -> in:Lt',
      'Batch ComputeResources.LaunchTemplate -> in:Lt',
      'Batch ComputeResources.LaunchTemplate.Overrides[0] -> ext:"lt-0def"',
    ]);
  });

  it('finds the instance profile through GetAtt Arn, Ref and a literal InstanceProfileName', () => {
    const profiles = metadata.sources.map((source) => instanceProfileOf(model, source).map((p) => `${source.resource.logicalId}:${p.profile?.logicalId ?? 'none'}@${lineOf(model, p.node.start)}`));
    expect(profiles).toEqual([['Lt:Profile@11'], ['Lc:Profile@16'], ['Instance:Profile@26']]);
  });

  it('defers absent settings of an instance with a launch template to the template', () => {
    const instance = metadata.sources.find((s) => s.kind === 'instance')!;
    expect(tokenProblems(model.resolver, instance, true)).toEqual([]);
    expect(tokenProblems(model.resolver, instance, false).map((p) => p.kind)).toEqual(['options-absent']);
  });
});

describe('tokenProblems', () => {
  const judge = (options: string, parameters = '') => {
    const model = modelOf(`
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: { Type: String, Default: prod }
${parameters}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  I:
    Type: AWS::EC2::Instance
    Properties:
      MetadataOptions: ${options}
`);
    const source = instanceMetadata(model).sources[0]!;
    return tokenProblems(model.resolver, source).map((p) => `${p.kind}: ${p.detail}`);
  };

  it('passes required, disabled endpoints, and branches that all pass', () => {
    expect(judge('{ HttpTokens: required }')).toEqual([]);
    expect(judge('{ HttpEndpoint: disabled, HttpTokens: optional }')).toEqual([]);
    expect(judge('!If [IsProd, { HttpTokens: required }, { HttpEndpoint: disabled }]')).toEqual([]);
  });

  it('reports optional, absent, removed and misspelt values', () => {
    expect(judge('{ HttpTokens: optional }')).toEqual(['optional: sets HttpTokens to optional']);
    expect(judge('{ HttpTokens: !Ref AWS::NoValue }')).toEqual(['tokens-absent: removes HttpTokens (AWS::NoValue), so it defaults to optional']);
    expect(judge('!Ref AWS::NoValue')[0]).toMatch(/^options-absent: removes MetadataOptions/);
    expect(judge('{ HttpTokens: Required2 }')).toEqual(['unverifiable: sets HttpTokens to "Required2", which is neither required nor optional']);
  });

  it('reports an endpoint that a parameter may enable together with optional tokens', () => {
    expect(judge('{ HttpEndpoint: !Ref Endpoint, HttpTokens: optional }', '  Endpoint: { Type: String, AllowedValues: [enabled, disabled] }')).toEqual([
      'optional: sets HttpTokens to optional',
    ]);
  });

  it('merges the allowed values of one parameter into one problem that points at the use', () => {
    const problems = judge('{ HttpTokens: !Ref Tokens }', '  Tokens: { Type: String, AllowedValues: [optional, required, optional] }');
    expect(problems).toEqual(['optional: sets HttpTokens to optional through parameter Tokens (AllowedValues)']);
  });
});
