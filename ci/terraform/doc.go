// Package terraform holds the pipeline's decisions about Terraform runs:
// what an error said, what a plan would destroy, what an interrupt does
// to a running apply, how a held lock is recovered, and which endpoint
// settings a container gets. It imports neither Dagger nor the AWS SDK,
// so every rule here is tested without an engine or an account.
package terraform
