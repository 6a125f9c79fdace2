package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"dagger.io/dagger"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/preflight"
	"github.com/example/goship/ci/report"
	"github.com/example/goship/ci/terraform"
)

// pipeline is one run: its configuration, the engine, the AWS session (for
// the modes that need one), and where it reports.
type pipeline struct {
	cfg    config
	root   string // absolute path of the repository
	dag    *dagger.Client
	aws    *cloud.Session
	steps  *steps
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	web    *http.Client // asks the live service what it runs (status)
	now    func() time.Time
	runID  string // busts the engine's cache for steps that must run every time
	result *report.Summary

	interrupts    *terraform.Interrupts  // what Ctrl-C does while Terraform changes AWS
	endpoints     terraform.EndpointPlan // the AWS endpoints Terraform containers use
	hostEndpoints []string               // the host's endpoint settings, NAME=value
	lockOwner     string                 // names this run in the Terraform locks it takes
	inCI          bool                   // CI=true: nobody to ask
	terminal      bool                   // standard input is a terminal
	readLock      func(ctx context.Context, bucket, key string) (*cloud.StateLock, error)
	bootstrap     terraform.BootstrapChoice // where bootstrap's own state is (chooseBootstrapStart)
	checks        []preflight.Result        // the preflight's answers, which doctor prints
	// cloudWatch, when set, stands in for the AWS SDK's CloudWatch client:
	// tests give one that speaks the protocol the emulator answers.
	cloudWatch cloud.AlarmAPI

	// smokeTarget, when set, serves the deployed image where the smoke
	// test can reach it and returns that URL, which the test then uses
	// instead of the load balancer's: a rehearsal's emulator has none.
	// stop ends the service.
	smokeTarget func(ctx context.Context, image string) (url string, stop func(), err error)

	// endpointServices are AWS endpoints that run as services of this
	// session (a rehearsal's emulator), by the host port their tunnel
	// listens on: Terraform's containers bind them directly, under the
	// same alias, rather than through the host and back.
	endpointServices map[int]*dagger.Service

	secretSeq atomic.Int64 // numbers the AWS secrets of each container
}

// clients are the AWS clients of the host-side steps, from the run's AWS
// session.
func (p *pipeline) clients() cloud.Clients {
	c := cloud.NewClients(p.aws.Config)
	if p.cloudWatch != nil {
		c.CloudWatch = p.cloudWatch
	}
	return c
}

// Cache volume names are fixed so that every run on an engine shares them.
const (
	goModCache       = "goship-go-mod"
	goBuildCache     = "goship-go-build"
	trivyCache       = "goship-trivy"
	terraformPlugins = "goship-terraform-plugins"
)

// sourceExcludes keeps what no container needs out of every upload: git
// history, Terraform's working files, state and plans, and the files that
// hold credentials by convention (dotenv files, private keys).
func sourceExcludes() []string {
	return []string{
		".git",
		"**/.terraform", "**/*.tfstate", "**/*.tfstate.*", "**/tfplan", "**/*.tfplan",
		"**/.env", "**/.env.*", "**/*.pem", "**/*.key",
	}
}

// source is the repository as the Go tests see it: tracked files and new
// ones, without what .gitignore names.
func (p *pipeline) source() *dagger.Directory {
	return p.dag.Host().Directory(p.root, dagger.HostDirectoryOpts{Exclude: sourceExcludes(), Gitignore: true})
}

// buildContext is what `docker build .` would upload: the repository less
// .dockerignore. The Dockerfile is added back even when .dockerignore
// excludes it, as docker itself does.
func (p *pipeline) buildContext() *dagger.Directory {
	// A missing .dockerignore is an empty one, as for docker.
	dockerignore, _ := os.ReadFile(filepath.Join(p.root, ".dockerignore"))
	return p.dag.Host().Directory(p.root, dagger.HostDirectoryOpts{Exclude: buildContextExcludes(dockerignore)}).
		WithFile("Dockerfile", p.dag.Host().File(filepath.Join(p.root, "Dockerfile")))
}

// infra is the Terraform tree: every stack, without working files or state.
func (p *pipeline) infra() *dagger.Directory {
	return p.dag.Host().Directory(filepath.Join(p.root, "infra"), dagger.HostDirectoryOpts{Exclude: sourceExcludes()})
}

// withAWS gives a container the run's AWS credentials, resolved afresh, as
// secrets, never as plain variables, and the region. Each call names its
// secrets anew: refreshed keys must not be answered with a secret of the
// same name set earlier in the session.
func (p *pipeline) withAWS(ctx context.Context, ctr *dagger.Container) (*dagger.Container, error) {
	keys, err := cloud.FreshKeys(ctx, p.aws.Credentials, p.now())
	if err != nil {
		return nil, err
	}
	n := p.secretSeq.Add(1)
	ctr = ctr.WithEnvVariable("AWS_REGION", p.cfg.region)
	for _, v := range keys.Variables() {
		name := fmt.Sprintf("goship-%s-%s-%d", v.Env, p.runID, n)
		ctr = ctr.WithSecretVariable(v.Env, p.dag.SetSecret(name, v.Value.Reveal()))
	}
	return ctr, nil
}
