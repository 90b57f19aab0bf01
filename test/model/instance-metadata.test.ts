import { describe, expect, it } from 'vitest';
import { DocumentModel } from '../../src/model/document-model.js';
import { withDefaults } from '../../src/model/options.js';
import { amiImdsDefault, instanceMetadata, instanceProfileOf, launchesWithoutProfile, tokenProblems, type LaunchTarget } from '../../src/model/instance-metadata.js';
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

describe('amiImdsDefault (AMI families registered with ImdsSupport v2.0)', () => {
  const amis = `
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Al2023: { Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64 }
  Minimal: { Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default: /aws/service/ami-amazon-linux-latest/al2023-ami-minimal-kernel-default-arm64 }
  Al2: { Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default: /aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2 }
  NoDefault: { Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>" }
  Either:
    Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"
    Default: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
    AllowedValues: [/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64, /aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2]
  Plain: { Type: String, Default: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64 }
  Arm: { Type: String, AllowedValues: ["true", "false"] }
Conditions:
  IsArm: !Equals [!Ref Arm, "true"]
Resources:
  FromParameter: { Type: AWS::EC2::Instance, Properties: { ImageId: !Ref Al2023 } }
  FromMinimal: { Type: AWS::EC2::Instance, Properties: { ImageId: !Ref Minimal } }
  Resolved: { Type: AWS::EC2::Instance, Properties: { ImageId: "{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64:3}}" } }
  BothBranches: { Type: AWS::EC2::Instance, Properties: { ImageId: !If [IsArm, !Ref Minimal, !Ref Al2023] } }
  OneBranchUnknown: { Type: AWS::EC2::Instance, Properties: { ImageId: !If [IsArm, !Ref Minimal, ami-0123456789abcdef0] } }
  Amazon2: { Type: AWS::EC2::Instance, Properties: { ImageId: !Ref Al2 } }
  Unset: { Type: AWS::EC2::Instance, Properties: { ImageId: !Ref NoDefault } }
  MixedAllowed: { Type: AWS::EC2::Instance, Properties: { ImageId: !Ref Either } }
  StringParameter: { Type: AWS::EC2::Instance, Properties: { ImageId: !Ref Plain } }
  AmiId: { Type: AWS::EC2::Instance, Properties: { ImageId: ami-0123456789abcdef0 } }
  OtherParameter: { Type: AWS::EC2::Instance, Properties: { ImageId: "{{resolve:ssm:/my-team/golden-ami}}" } }
  Lt: { Type: AWS::EC2::LaunchTemplate, Properties: { LaunchTemplateData: { ImageId: !Ref Al2023 } } }
  FromLt: { Type: AWS::EC2::Instance, Properties: { LaunchTemplate: { LaunchTemplateId: !Ref Lt, Version: "1" } } }
  OverridesLt: { Type: AWS::EC2::Instance, Properties: { ImageId: !Ref Al2, LaunchTemplate: { LaunchTemplateId: !Ref Lt, Version: "1" } } }
  ExternalLt: { Type: AWS::EC2::Instance, Properties: { LaunchTemplate: { LaunchTemplateId: lt-0123456789abcdef0, Version: "1" } } }
  Lc: { Type: AWS::AutoScaling::LaunchConfiguration, Properties: { ImageId: !Ref Minimal, InstanceType: t4g.micro } }
`;
  const model = modelOf(amis);
  const metadata = instanceMetadata(model);
  const familyOf = (id: string) => {
    const source = metadata.sources.find((s) => s.resource.logicalId === id)!;
    return amiImdsDefault(model, source)?.family.family ?? 'unknown';
  };

  it('reads Amazon Linux 2023 from an SSM parameter default, {{resolve:ssm:}} (with a version), both Fn::If branches, a launch template and a launch configuration', () => {
    for (const id of ['FromParameter', 'FromMinimal', 'Resolved', 'BothBranches', 'FromLt', 'Lt', 'Lc']) expect(familyOf(id), id).toBe('Amazon Linux 2023');
    const source = metadata.sources.find((s) => s.resource.logicalId === 'FromParameter')!;
    expect(amiImdsDefault(model, source)?.how).toBe('parameter Al2023 (Default /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64)');
    expect(amiImdsDefault(model, source)?.family.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });

  it('keeps every AMI that cannot be known to require IMDSv2 unknown', () => {
    for (const id of ['OneBranchUnknown', 'Amazon2', 'Unset', 'MixedAllowed', 'StringParameter', 'AmiId', 'OtherParameter', 'OverridesLt', 'ExternalLt']) expect(familyOf(id), id).toBe('unknown');
  });

  it('knows an instance without a profile, and one whose profile comes from its launch template', () => {
    const profiled = modelOf(`
Resources:
  Bare: { Type: AWS::EC2::Instance, Properties: { ImageId: ami-1 } }
  Own: { Type: AWS::EC2::Instance, Properties: { ImageId: ami-1, IamInstanceProfile: web } }
  Lt: { Type: AWS::EC2::LaunchTemplate, Properties: { LaunchTemplateData: { IamInstanceProfile: { Name: web } } } }
  BareLt: { Type: AWS::EC2::LaunchTemplate, Properties: { LaunchTemplateData: { ImageId: ami-1 } } }
  ViaLt: { Type: AWS::EC2::Instance, Properties: { LaunchTemplate: { LaunchTemplateId: !Ref Lt, Version: "1" } } }
  ViaBareLt: { Type: AWS::EC2::Instance, Properties: { LaunchTemplate: { LaunchTemplateId: !Ref BareLt, Version: "1" } } }
  ViaExternal: { Type: AWS::EC2::Instance, Properties: { LaunchTemplate: { LaunchTemplateName: elsewhere, Version: "1" } } }
`);
    const sources = instanceMetadata(profiled).sources;
    const without = sources.filter((s) => launchesWithoutProfile(profiled, s)).map((s) => s.resource.logicalId);
    expect(without).toEqual(['Bare', 'BareLt', 'ViaBareLt']);
  });
});
