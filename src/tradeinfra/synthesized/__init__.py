"""Readers of synthesized output: the CDK cloud assembly, the Terraform JSON
and the tfvars. The parity and access gates read through these, so neither
imports the apps that produced the output."""
