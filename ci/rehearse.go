package main

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"dagger.io/dagger"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/goship/ci/cloud"
	"github.com/example/goship/ci/report"
	"github.com/example/goship/ci/terraform"
	"github.com/example/goship/internal/moto/script"
)

// registryPort is where the registry image serves, the distribution
// project's default. The emulator listens on the port its tunnel has on
// this machine.
const registryPort = 5000

const (
	// emulatorScript is where server.py is mounted in the emulator image.
	emulatorScript = "/goship/moto-server.py"
	// emulatorRunningTasks is the running count moto reports for every ECS
	// service (MOTO_ECS_SERVICE_RUNNING): moto runs no task, and without
	// it the ECS wait never ends. It is the service stack's desired_count
	// default in infra/variables.tf.
	emulatorRunningTasks = 2
	// emulatorReady bounds how long the emulator may take to answer once
	// its port is open: moto imports every backend first, slow on a
	// loaded machine.
	emulatorReady    = 2 * time.Minute
	emulatorInterval = time.Second
	// rehearsalRegion is the region when none is configured: the emulator
	// serves any, and none is the user's real one.
	rehearsalRegion = "us-east-1"
	// redeployVersion marks the second build, which differs from the
	// first only in its version, so that its digest differs and a
	// rollback has a live image to go back to.
	redeployVersion = "-rehearsal2"
)

// rehearse runs the whole deploy with no AWS account and no registry of
// one's own. It starts an AWS API emulator (moto's server) and an OCI
// registry as services on the engine, tunnelled to this machine's
// loopback; bootstraps the environment there; runs the real deploy twice
// (check, build, scan, SBOM, signature with a key made for the run, push,
// verification, both stacks, the ECS wait), smoke-testing the very digest
// deployed, run as a service, since an emulator has no load balancer; then
// status, history, rollback and destroy, and prints the time of each
// phase. With --keep it stops before destroy and keeps the emulator up
// until Ctrl-C.
func rehearse(ctx context.Context, p *pipeline) error {
	r := &rehearsal{p: p, record: report.NewRehearsal(p.cfg.keep)}
	fmt.Fprintln(p.stdout, "The deploys rehearse without their bake: the emulator cannot answer CloudWatch's reads (docs/rehearsal.md).")
	err := r.run(ctx)
	if textErr := report.RehearsalText(p.stdout, r.record); textErr != nil && err == nil {
		err = textErr
	}
	if err == nil && !r.record.Passed() {
		err = errors.New("the rehearsal did not run every phase")
	}
	if err != nil {
		return err
	}
	if p.cfg.keep {
		return r.keepUp(ctx)
	}
	return nil
}

// rehearsal is one run of rehearse: the outer run, the services it
// started, and the record of its phases.
type rehearsal struct {
	p      *pipeline
	record *report.Rehearsal
	wiring rehearsalWiring
	aws    *cloud.Session
	cfg    config // the configuration every phase runs with
	// emulator is the emulator's service, which Terraform's containers
	// bind directly.
	emulator *dagger.Service
	infra    string // the scratch copy of infra/ bootstrap runs from
}

// run runs the phases in order and stops at the first that fails.
func (r *rehearsal) run(ctx context.Context) error {
	keyDir, err := os.MkdirTemp("", "goship-rehearsal-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(keyDir) }() // holds only this run's throwaway key and infra copy

	var first, second string
	phases := []struct {
		name string
		run  func() (string, error)
	}{
		{report.PhaseStart, func() (string, error) { return r.start(ctx, keyDir) }},
		{report.PhaseBootstrap, func() (string, error) { return "", r.bootstrap(ctx) }},
		{report.PhaseDeploy, func() (string, error) {
			first, err = r.deploy(ctx, r.cfg)
			return first, err
		}},
		{report.PhaseRedeploy, func() (string, error) {
			cfg := r.cfg
			cfg.version = r.cfg.version + redeployVersion
			second, err = r.deploy(ctx, cfg)
			if err == nil && second == first {
				err = fmt.Errorf("the second build has the first one's digest %s: nothing to roll back from", first)
			}
			return second, err
		}},
		{report.PhaseStatus, func() (string, error) { return r.status(ctx) }},
		{report.PhaseHistory, func() (string, error) { return "", history(ctx, r.pipeline(r.cfg, "history")) }},
		{report.PhaseRollback, func() (string, error) { return r.rollback(ctx) }},
		{report.PhaseDestroy, func() (string, error) { return "", destroy(ctx, r.pipeline(r.cfg, "destroy")) }},
	}
	for _, ph := range phases {
		if !r.record.Runs(ph.name) {
			continue
		}
		fmt.Fprintf(r.p.stdout, "\n== rehearsal: %s\n", ph.name)
		started := r.p.now()
		outcome, detail, err := phaseOutcome(ph.run())
		r.record.Record(report.Phase{Name: ph.name, Took: r.p.now().Sub(started), Outcome: outcome, Detail: detail})
		if err != nil {
			return fmt.Errorf("rehearsal %s: %w", ph.name, err)
		}
	}
	return nil
}

// phaseOutcome is how a phase that returned detail and err ended, and the
// error that stops the rehearsal. A service that status finds unhealthy
// only for want of a healthy target is what an emulator, which starts no
// task, always shows: a note. Any other problem is one AWS would have too.
func phaseOutcome(detail string, err error) (string, string, error) {
	var unhealthy unhealthyService
	switch {
	case err == nil:
		return report.PhasePassed, detail, nil
	case errors.As(err, &unhealthy) && slices.Equal(unhealthy.problems, []string{report.ProblemNoHealthyTarget}):
		return report.PhaseNoted, report.ProblemNoHealthyTarget + ": the emulator starts no task, so no target registers", nil
	}
	return report.PhaseFailed, err.Error(), err
}

// start starts the emulator and the registry and tunnels both to this
// machine, connects to the emulator, and settles the configuration every
// phase runs with, including the key the run signs with.
func (r *rehearsal) start(ctx context.Context, scratch string) (string, error) {
	p := r.p
	// Both tunnels stay open until the session ends. The emulator listens
	// in its container on the port its tunnel has here, so that
	// Terraform's containers reach it directly at the same address.
	emulatorHost, err := freeLoopbackPort(ctx)
	if err != nil {
		return "", err
	}
	r.emulator = emulatorService(p, emulatorHost)
	if _, err := startTunnelAt(ctx, p, r.emulator, emulatorHost, emulatorHost); err != nil {
		return "", fmt.Errorf("starting the AWS emulator (%s): %w", p.cfg.emulatorImage, err)
	}
	registryHost, _, err := startTunnel(ctx, p, registryService(p), registryPort)
	if err != nil {
		return "", fmt.Errorf("starting the registry (%s): %w", p.cfg.registryImage, err)
	}
	signingKey := filepath.Join(scratch, "signing.pem")
	if err := writeRunSigningKey(signingKey); err != nil {
		return "", err
	}
	r.infra = filepath.Join(scratch, "checkout")
	if err := copyInfra(filepath.Join(p.root, "infra"), filepath.Join(r.infra, "infra")); err != nil {
		return "", fmt.Errorf("copying infra/ for the rehearsal's bootstrap: %w", err)
	}
	r.wiring = wireRehearsal(p.cfg, emulatorHost, registryHost)
	r.cfg = rehearsalConfig(p.cfg, r.wiring, signingKey)
	if r.aws, err = cloud.ConnectEmulator(ctx, r.wiring.endpoint, r.cfg.region, emulatorReady, emulatorInterval); err != nil {
		return "", err
	}
	fmt.Fprintf(p.stdout, "AWS emulator at %s (account %s), registry at %s\n"+
		"note: both tunnels listen on every network interface of this machine (the Dagger SDK cannot bind 127.0.0.1 only): rehearsal only, fake keys\n",
		r.wiring.endpoint, r.aws.Account, r.wiring.registry)
	return r.wiring.endpoint + ", " + r.wiring.registry, nil
}

// bootstrap applies the real bootstrap stack to the emulator, for the
// rehearsed environment only: the state bucket, the network, the
// boundary, the alarm key. It runs from a scratch copy of infra/, so that
// the checkout's own bootstrap state is neither read nor written.
func (r *rehearsal) bootstrap(ctx context.Context) error {
	p := r.pipeline(r.cfg, "bootstrap")
	p.root = r.infra
	if err := chooseBootstrapStart(ctx, p); err != nil {
		return err
	}
	return bootstrap(ctx, p)
}

// deploy runs the real deploy with cfg and returns the digest it deployed.
func (r *rehearsal) deploy(ctx context.Context, cfg config) (string, error) {
	p := r.pipeline(cfg, "deploy")
	err := deploy(ctx, p)
	if err != nil && strings.Contains(err.Error(), "pushing "+r.wiring.repository) {
		err = fmt.Errorf("%w\nthe engine itself pushes to the rehearsal's registry at %s, this machine's loopback: "+
			"it must share this machine's network, which an engine in a Docker container of its own does not (see docs/rehearsal.md, What it needs)", err, r.wiring.registry)
	}
	return p.result.Image, err
}

// status shows the service as status does; the emulator has no task and
// so no healthy target, which status reports as unhealthyService.
func (r *rehearsal) status(ctx context.Context) (string, error) {
	err := status(ctx, r.pipeline(r.cfg, "status"))
	return "", err
}

// rollback goes back to the last live image before the running one, as
// rollback does, and returns the digest it deployed.
func (r *rehearsal) rollback(ctx context.Context) (string, error) {
	p := r.pipeline(r.cfg, "rollback")
	if err := chooseRollback(ctx, p); err != nil {
		return "", err
	}
	err := rollback(ctx, p)
	return p.result.Image, err
}

// keepUp leaves the emulator up for the user until Ctrl-C, with the
// settings the AWS CLI needs to reach it.
func (r *rehearsal) keepUp(ctx context.Context) error {
	fmt.Fprintf(r.p.stdout, "\nThe emulator stays up until Ctrl-C. To look at it with the AWS CLI, in another shell:\n\n%s\n"+
		"For example: aws ecs list-services --cluster %s; aws s3 ls s3://%s --recursive\n",
		report.EmulatorEnviron(r.wiring.endpoint, cloud.EmulatorKeyID, cloud.EmulatorSecret, r.cfg.region),
		serviceName(r.cfg), r.cfg.stateBucket)
	<-ctx.Done()
	return nil
}

// pipeline is the pipeline a phase runs: the outer run's engine, steps and
// streams, with the rehearsal's configuration, the emulator's session and
// endpoints, and the smoke test of the deployed digest as a service.
func (r *rehearsal) pipeline(cfg config, mode string) *pipeline {
	p := r.p
	hostEndpoints := []string{"AWS_ENDPOINT_URL=" + r.wiring.endpoint}
	// The endpoint is this machine's loopback: PlanEndpoints binds it into
	// Terraform's containers, and cannot fail on a URL wireRehearsal made.
	endpoints, _ := terraform.PlanEndpoints(hostEndpoints)
	return &pipeline{
		cfg:    cfg,
		root:   p.root,
		dag:    p.dag,
		aws:    r.aws,
		steps:  p.steps,
		stdin:  p.stdin,
		stdout: p.stdout,
		stderr: p.stderr,
		getenv: p.getenv,
		web:    p.web,
		now:    p.now,
		runID:  p.runID,
		result: &report.Summary{Mode: mode, Environment: cfg.environment},

		interrupts:    p.interrupts,
		endpoints:     endpoints,
		hostEndpoints: terraform.EndpointSettings(hostEndpoints),
		lockOwner:     p.lockOwner,
		inCI:          p.inCI,
		terminal:      p.terminal,
		readLock:      stateLockReader(r.aws.Config, endpoints.PathStyle),
		smokeTarget:   r.serveDeployed,

		endpointServices: map[int]*dagger.Service{r.wiring.emulatorPort: r.emulator},
	}
}

// serveDeployed runs image, pulled by its digest from the rehearsal's
// registry, as a service tunnelled to this machine, and returns its URL:
// the emulator's load balancer has a name that resolves nowhere.
func (r *rehearsal) serveDeployed(ctx context.Context, image string) (string, func(), error) {
	service := r.p.dag.Container().From(image).
		WithEnvVariable("PORT", strconv.Itoa(servicePort)).
		WithExposedPort(servicePort).
		AsService(dagger.ContainerAsServiceOpts{UseEntrypoint: true})
	port, stop, err := startTunnel(ctx, r.p, service, servicePort)
	if err != nil {
		return "", nil, fmt.Errorf("running %s as a service: %w", image, err)
	}
	return "http://127.0.0.1:" + strconv.Itoa(port), stop, nil
}

// emulatorService is moto's server with server.py, which fills the gaps
// of moto the stacks hit, listening on port of every interface of its
// container. The run ID keeps every rehearsal on an emulator of its own.
func emulatorService(p *pipeline, port int) *dagger.Service {
	return p.dag.Container().From(p.cfg.emulatorImage).
		WithNewFile(emulatorScript, string(script.Server)).
		WithEnvVariable("MOTO_ECS_SERVICE_RUNNING", strconv.Itoa(emulatorRunningTasks)).
		WithEnvVariable("GOSHIP_RUN", p.runID).
		WithExposedPort(port).
		AsService(dagger.ContainerAsServiceOpts{Args: []string{"python3", emulatorScript, "0.0.0.0", strconv.Itoa(port)}})
}

// registryService is the registry image as its own entrypoint and
// default command run it, empty at the start of every rehearsal.
func registryService(p *pipeline) *dagger.Service {
	return p.dag.Container().From(p.cfg.registryImage).
		WithEnvVariable("GOSHIP_RUN", p.runID).
		WithExposedPort(registryPort).
		AsService(dagger.ContainerAsServiceOpts{UseEntrypoint: true})
}

// startTunnel starts a tunnel from a free port of this machine to the
// service's backend port; stop closes it.
func startTunnel(ctx context.Context, p *pipeline, service *dagger.Service, backend int) (int, func(), error) {
	port, err := freeLoopbackPort(ctx)
	if err != nil {
		return 0, nil, err
	}
	stop, err := startTunnelAt(ctx, p, service, port, backend)
	return port, stop, err
}

// startTunnelAt starts a tunnel from port of this machine to the
// service's backend port; stop closes it.
func startTunnelAt(ctx context.Context, p *pipeline, service *dagger.Service, port, backend int) (func(), error) {
	started, err := p.dag.Host().Tunnel(service, dagger.HostTunnelOpts{
		Ports: []dagger.PortForward{{Frontend: port, Backend: backend}},
	}).Start(ctx)
	if err != nil {
		return nil, err
	}
	// Closing the session closes the tunnel anyway; stopping it early
	// only frees the port sooner, so its error changes nothing.
	return func() { _, _ = started.Stop(context.WithoutCancel(ctx)) }, nil
}

// freeLoopbackPort is a port nothing listens on at the moment of asking.
// The tunnel takes it moments later; a port taken in between fails the
// tunnel's start, which says so.
func freeLoopbackPort(ctx context.Context) (int, error) {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port on this machine: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// rehearsalWiring is where the rehearsal's services are reached from this
// machine, and the repository deploy publishes to.
type rehearsalWiring struct {
	emulatorPort int    // on this machine, and in the emulator's container
	endpoint     string // the emulator, as AWS_ENDPOINT_URL
	registry     string // host:port
	repository   string // in the registry, as --image-repository
}

// wireRehearsal names the addresses of the tunnels. 127.0.0.1, not
// localhost: the tunnels listen on IPv4, and the engine and every client
// here treat a loopback registry as plain HTTP.
func wireRehearsal(cfg config, emulatorHostPort, registryHostPort int) rehearsalWiring {
	registry := "127.0.0.1:" + strconv.Itoa(registryHostPort)
	return rehearsalWiring{
		emulatorPort: emulatorHostPort,
		endpoint:     "http://127.0.0.1:" + strconv.Itoa(emulatorHostPort),
		registry:     registry,
		repository:   registry + "/" + cfg.app + "-" + cfg.environment,
	}
}

// rehearsalConfig is the configuration every phase runs with: the run's
// own, with the emulator's region and bucket, the rehearsal's registry,
// the run's signing key (the deploy verifies against its public half),
// and the rehearsed environment as bootstrap's only one, with no GitHub
// roles.
func rehearsalConfig(cfg config, w rehearsalWiring, signingKey string) config {
	c := cfg
	c.region = cmp.Or(cfg.region, rehearsalRegion)
	c.stateBucket = cmp.Or(cfg.stateBucket, cfg.app+"-rehearsal-state")
	c.imageRepository = w.repository
	c.signingKey = signingKey
	c.environments = []string{cfg.environment}
	c.githubRepository, c.githubRepositoryID, c.githubOwnerID = "", "", ""
	c.asJSON = false
	c.assumeYes = true
	// moto answers the SDK's CloudWatch protocol with 404: a bake would
	// fail blind after three looks, so the rehearsal deploys unwatched.
	c.bake, c.bakeGiven = 0, true
	return c
}

// validateRehearsal refuses settings rehearse makes for itself, so that
// nobody believes a rehearsal used them.
func validateRehearsal(cfg config) error {
	var settings []string
	if cfg.imageRepository != "" {
		settings = append(settings, "--image-repository (IMAGE_REPOSITORY): it publishes to the registry it starts")
	}
	if cfg.signingKey != "" || cfg.verifyKey != "" {
		settings = append(settings, "--signing-key and --verify-key (SIGNING_KEY, VERIFY_KEY): it signs with a key it makes for the run and verifies against that")
	}
	if cfg.allowUnsigned {
		settings = append(settings, "--allow-unsigned: it signs and verifies every image")
	}
	if len(settings) > 0 {
		return usagef("rehearse makes its own settings; unset %s", strings.Join(settings, "; "))
	}
	if cfg.commit == "" {
		return usagef("no commit to rehearse: run inside a git checkout, or set --commit or GIT_COMMIT")
	}
	return nil
}

// writeRunSigningKey writes a new ECDSA P-256 key as the unencrypted PKCS #8
// PEM file --signing-key takes, readable by this user only. It lives as
// long as the run.
func writeRunSigningKey(path string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("making the rehearsal's signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

// copyInfra copies the Terraform sources of src into dst, without what a
// run leaves beside them: provider caches, state files and local backend
// overrides.
func copyInfra(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if name == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.Contains(name, ".tfstate") || name == terraform.LocalBackendOverrideName || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
}

// stateLockReader reads a stack's Terraform lock from the state bucket,
// to say who holds it when Terraform is refused.
func stateLockReader(cfg aws.Config, pathStyle bool) func(ctx context.Context, bucket, key string) (*cloud.StateLock, error) {
	return func(ctx context.Context, bucket, key string) (*cloud.StateLock, error) {
		client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle })
		return cloud.ReadStateLock(ctx, client, bucket, key)
	}
}
