"""Drift detector: runs CloudFormation drift detection on every stack of its
environment and publishes the result as CloudWatch metrics."""
