"""The trading platform as an AWS CDK v2 app.

The jsii runtime starts a Node process at the first `aws_cdk` import and hands
it this process's environment, so the switches below must be set before any
module of this package imports aws_cdk:
- CDK_VALIDATION=false: aws-cdk-lib's built-in CloudFormation validation costs
  ~3 s and ~350 MB per synth; cfn-lint covers the same ground in `make test`
  (docs/decisions/0002). Export CDK_VALIDATION=true to run it anyway.
- the Node 20 end-of-life banner of jsii is noise on every command.
"""

import os

os.environ.setdefault("CDK_VALIDATION", "false")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
