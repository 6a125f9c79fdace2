package terraform

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// HostBinding is a port on the host's loopback that a container reaches
// through the engine's host-service binding, under Alias: the container's
// own loopback is not the host's.
type HostBinding struct {
	Alias    string
	Upstream string // the loopback address on the host, as the URL named it
	Port     int
}

// EndpointPlan is what a Terraform container needs to talk to the same
// AWS endpoints as the host: the variables, rewritten where they point at
// the host's loopback, and the host ports to bind for them.
type EndpointPlan struct {
	Env       [][2]string
	Bindings  []HostBinding
	PathStyle bool // an S3 endpoint is set: bucket names cannot go in its host name
}

// endpointPrefix names the variables the AWS SDKs, the hashicorp/aws
// provider and the S3 backend all read: AWS_ENDPOINT_URL for every
// service, AWS_ENDPOINT_URL_<SERVICE> for one.
const endpointPrefix = "AWS_ENDPOINT_URL"

// PlanEndpoints maps the host's endpoint settings (environ is os.Environ's
// form, NAME=value) to the container's. Without any, the plan is empty
// and Terraform talks to AWS itself.
func PlanEndpoints(environ []string) (EndpointPlan, error) {
	var plan EndpointPlan
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if name != endpointPrefix && !strings.HasPrefix(name, endpointPrefix+"_") || value == "" {
			continue
		}
		u, err := url.Parse(value)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return EndpointPlan{}, fmt.Errorf("%s=%q is not an endpoint URL such as http://127.0.0.1:5000", name, value)
		}
		if isLoopback(u.Hostname()) {
			port, err := endpointPort(u)
			if err != nil {
				return EndpointPlan{}, fmt.Errorf("%s=%q: %w", name, value, err)
			}
			b := HostBinding{Alias: "aws-endpoint-" + strconv.Itoa(port), Upstream: u.Hostname(), Port: port}
			if !slices.Contains(plan.Bindings, b) {
				plan.Bindings = append(plan.Bindings, b)
			}
			u.Host = net.JoinHostPort(b.Alias, strconv.Itoa(port))
		}
		plan.Env = append(plan.Env, [2]string{name, u.String()})
		if name == endpointPrefix || name == endpointPrefix+"_S3" {
			plan.PathStyle = true
		}
	}
	slices.SortFunc(plan.Env, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	if plan.PathStyle {
		// The AWS SDKs read this. Neither the S3 backend nor the
		// hashicorp/aws provider (5.100.0) does: the backend is told with
		// -backend-config=use_path_style=true, the provider by
		// PathStyleOverride.
		plan.Env = append(plan.Env, [2]string{"AWS_S3_USE_PATH_STYLE", "true"})
	}
	return plan, nil
}

// PathStyleOverrideName and PathStyleOverride are the file, by its name in
// a stack and its content, that makes the hashicorp/aws provider address S3
// buckets by path when an S3 endpoint is set: an endpoint reached through
// its binding's alias (aws-endpoint-<port>) has no bucket subdomains, and
// the provider reads no environment variable for it. Terraform merges a
// *_override.tf provider block into the stack's own.
const (
	PathStyleOverrideName = "s3_path_style_override.tf"
	PathStyleOverride     = "provider \"aws\" {\n  s3_use_path_style = true\n}\n"
)

// EndpointSettings are the host's endpoint variables in NAME=value form,
// for commands a person repeats by hand on the host.
func EndpointSettings(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if (name == endpointPrefix || strings.HasPrefix(name, endpointPrefix+"_")) && value != "" {
			out = append(out, name+"="+value)
		}
	}
	slices.Sort(out)
	return out
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func endpointPort(u *url.URL) (int, error) {
	if p := u.Port(); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return 0, fmt.Errorf("bad port %q", p)
		}
		return port, nil
	}
	switch u.Scheme {
	case "http":
		return 80, nil
	case "https":
		return 443, nil
	}
	return 0, fmt.Errorf("no port and an unknown scheme %q", u.Scheme)
}
