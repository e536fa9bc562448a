"""`tradeinfra plan`: what deploying a version to an environment would
change, for both apps, in one list, and the stateful guard over it.

`model` (the list), `stateful` (which resource types hold data), `stacks`
(CDK stacks: the synthesized templates against the deployed ones),
`web_tier` (Terraform: a saved plan read back as JSON), `preview` (the
whole environment), `formatters` (text, json, markdown, html)."""
