package main

import (
	"regexp"

	"github.com/example/goship/ci/attest/kmskey"
)

// workflowFile is the workflow whose GitHub OIDC identity signs deployed
// images; Fulcio writes its path and ref into the certificate.
const workflowFile = ".github/workflows/pipeline.yml"

// defaultSignerIdentity is the certificate identity GitHub gives this
// repository's pipeline on its deploy branch: main, or master where the
// run says that is the branch (resolve deploys from either).
func defaultSignerIdentity(repository, githubRef string) string {
	if repository == "" {
		return ""
	}
	ref := "refs/heads/main"
	if githubRef == "refs/heads/master" {
		ref = githubRef
	}
	return "https://github.com/" + repository + "/" + workflowFile + "@" + ref
}

var githubRemotePattern = regexp.MustCompile(`^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)(?:\.git)?/?$`)

// repositoryFromRemote reads owner/name from a GitHub remote URL, in the
// https or ssh form git clone writes; anything else yields "".
func repositoryFromRemote(remote string) string {
	m := githubRemotePattern.FindStringSubmatch(remote)
	if m == nil {
		return ""
	}
	return m[1]
}

// signingMethod is how deploy signs the image it publishes.
type signingMethod string

const (
	signUnsigned signingMethod = "unsigned"
	signKeyless  signingMethod = "keyless (Fulcio certificate for the workflow's OIDC identity, logged in Rekor)"
	signKMS      signingMethod = "AWS KMS key"
	signKeyFile  signingMethod = "key file"
)

// chooseSigning picks the signer: the key the user names, else keyless
// where GitHub Actions offers an OIDC token, else none, which deploy says
// loudly.
func chooseSigning(signingKey string, oidcAvailable bool) signingMethod {
	switch {
	case signingKey != "":
		if _, ok := kmskey.KeyID(signingKey); ok {
			return signKMS
		}
		return signKeyFile
	case oidcAvailable:
		return signKeyless
	default:
		return signUnsigned
	}
}
