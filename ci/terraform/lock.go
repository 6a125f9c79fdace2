package terraform

import (
	"fmt"
	"strings"
)

// Lock is a held lock on one stack's state in the S3 backend, as far as
// it is known: ID and Who come from the lock file when it could be read.
type Lock struct {
	Stack, Dir          string // the stack and its directory, relative to the repository
	Bucket, Key, Region string
	ID, Who, Operation  string
	Created             string
	EndpointEnv         []string // AWS_ENDPOINT_URL settings the run used, to repeat them
}

// RecoveryCommands says, with every value filled in, how to release a
// lock that a killed run left: force-unlock needs the backend initialised
// with the same three settings the pipeline passes, or it answers
// "Backend initialization required".
func RecoveryCommands(l Lock) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The state of the %s stack is locked: bucket %s, key %s, lock file s3://%s/%s.tflock", l.Stack, l.Bucket, l.Key, l.Bucket, l.Key)
	if l.ID != "" {
		fmt.Fprintf(&b, ", lock ID %s", l.ID)
	}
	if l.Who != "" {
		fmt.Fprintf(&b, ", held by %s", l.Who)
	}
	if l.Operation != "" {
		fmt.Fprintf(&b, " (%s", l.Operation)
		if l.Created != "" {
			fmt.Fprintf(&b, " since %s", l.Created)
		}
		b.WriteString(")")
	}
	b.WriteString(".\nMake sure no run is still using it (a run that waits for the lock gives up after --lock-timeout), then, from the repository root:\n")
	env := ""
	if len(l.EndpointEnv) > 0 {
		env = strings.Join(l.EndpointEnv, " ") + " "
	}
	fmt.Fprintf(&b, "  %sterraform -chdir=%s init -input=false -reconfigure -backend-config=bucket=%s -backend-config=key=%s -backend-config=region=%s\n",
		env, l.Dir, l.Bucket, l.Key, l.Region)
	id := l.ID
	if id == "" {
		id = "<lock ID: the ID field of the lock file above, or of the next run's lock error>"
	}
	fmt.Fprintf(&b, "  %sterraform -chdir=%s force-unlock -force %s\n", env, l.Dir, id)
	b.WriteString("A Terraform apply or destroy that was killed may also have created resources it never recorded in the state: " +
		"the next apply then fails with \"already exists\" for each; import them (terraform import) or delete them in the AWS console.")
	return b.String()
}

// LockOwner names a run in the lock Terraform writes, so that whoever
// finds the lock held can tell whose run holds it: the GitHub run's URL
// in Actions, else user@host, with the mode and environment.
func LockOwner(getenv func(string) string, hostname, mode, environment string) string {
	who := getenv("USER")
	if who == "" {
		who = getenv("USERNAME") // Windows
	}
	if hostname != "" {
		who += "@" + hostname
	}
	if run := getenv("GITHUB_RUN_ID"); run != "" && getenv("GITHUB_REPOSITORY") != "" {
		server := strings.TrimPrefix(strings.TrimPrefix(getenv("GITHUB_SERVER_URL"), "https://"), "http://")
		if server == "" {
			server = "github.com"
		}
		who = fmt.Sprintf("%s/%s/actions/runs/%s", server, getenv("GITHUB_REPOSITORY"), run)
	}
	if who == "" {
		who = "unknown user"
	}
	owner := fmt.Sprintf("goship %s", mode)
	if environment != "" {
		owner += " " + environment
	}
	owner += " by " + who
	// It becomes the user name in the container's /etc/passwd, where a
	// colon or a line break would end the field.
	return strings.Map(func(r rune) rune {
		if r == ':' || r == '\n' || r == '\r' {
			return '_'
		}
		return r
	}, owner)
}

// HeldLock reads the lock ID and owner from Terraform's "Error acquiring
// the state lock" message, for when the lock file itself cannot be read.
func HeldLock(output string) (id, who string, ok bool) {
	if !strings.Contains(output, "Error acquiring the state lock") {
		return "", "", false
	}
	for line := range strings.SplitSeq(ansiEscape.ReplaceAllString(output, ""), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "│"))
		key, value, found := strings.Cut(line, ":")
		if !found {
			continue
		}
		switch strings.TrimSpace(key) {
		case "ID":
			if id == "" {
				id = strings.TrimSpace(value)
			}
		case "Who":
			if who == "" {
				who = strings.TrimSpace(value)
			}
		}
	}
	return id, who, true
}
