"""CodeDeploy lifecycle hooks of the order processor: checks that gate a new
version before and after it takes traffic."""
