# The bundled terraform ruleset with every rule on. The AWS ruleset is a
# separate plugin that tflint --init downloads from GitHub; these machines
# cannot reach it, so AWS-specific checks come from Trivy and terraform test.
plugin "terraform" {
  enabled = true
  preset  = "all"
}
