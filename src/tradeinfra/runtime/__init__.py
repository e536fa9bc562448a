"""Lambda function code, one package per function. Each package uses only the
standard library and boto3 (present in the Lambda Python runtime), so it ships
as-is without bundling."""
