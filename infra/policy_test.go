package infra_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// An IAM policy as AWS stores it, reduced to what the invariants read. The
// same type holds a policy rendered from the HCL (an
// aws_iam_policy_document's statement blocks) and one read back from AWS,
// so one set of checks covers both.
type policy struct {
	Statements []statement
}

type statement struct {
	Sid          string
	Effect       string
	Actions      []string
	NotActions   []string
	Resources    []string
	NotResources []string
	Principals   map[string][]string // type: identifiers
	Conditions   []condition
}

type condition struct {
	Test     string // operator, e.g. StringEquals or ForAllValues:StringNotEquals
	Variable string
	Values   []string
}

func (s statement) allows() bool { return s.Effect == "Allow" }

// condition returns the values of the condition on variable under test, and
// whether there is one.
func (s statement) condition(test, variable string) ([]string, bool) {
	for _, c := range s.Conditions {
		if c.Test == test && c.Variable == variable {
			return c.Values, true
		}
	}
	return nil, false
}

// requires reports whether the statement applies only when variable equals
// exactly one of want (a StringEquals condition whose values are all in want).
func (s statement) requires(variable string, want ...string) bool {
	values, ok := s.condition("StringEquals", variable)
	if !ok || len(values) == 0 {
		return false
	}
	for _, v := range values {
		if !slices.Contains(want, v) {
			return false
		}
	}
	return true
}

// matchesAction reports whether the statement's Action (or NotAction)
// covers action, with IAM's case-insensitive wildcard matching.
func (s statement) matchesAction(action string) bool {
	if len(s.NotActions) > 0 {
		return !slices.ContainsFunc(s.NotActions, func(p string) bool { return wildcardMatch(strings.ToLower(p), strings.ToLower(action)) })
	}
	return slices.ContainsFunc(s.Actions, func(p string) bool { return wildcardMatch(strings.ToLower(p), strings.ToLower(action)) })
}

// matchesResource reports whether the statement's Resource (or
// NotResource) covers the ARN.
func (s statement) matchesResource(arn string) bool {
	if len(s.NotResources) > 0 {
		return !slices.ContainsFunc(s.NotResources, func(p string) bool { return wildcardMatch(p, arn) })
	}
	return slices.ContainsFunc(s.Resources, func(p string) bool { return wildcardMatch(p, arn) })
}

// wildcardMatch is IAM's matching of a pattern with * (any run of
// characters, "/" and ":" included) and ? (one character).
func wildcardMatch(pattern, s string) bool {
	var re strings.Builder
	re.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String()).MatchString(s)
}

// parsePolicyJSON reads a policy document as AWS returns it (IAM returns
// it URL-encoded; a plain JSON document is accepted too). Action, Resource
// and condition values may each be a string or a list.
func parsePolicyJSON(doc string) (policy, error) {
	doc = policyDocumentJSON(doc)
	var raw struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return policy{}, fmt.Errorf("policy document: %w", err)
	}
	var rawStatements []struct {
		Sid          string
		Effect       string
		Action       stringOrList
		NotAction    stringOrList
		Resource     stringOrList
		NotResource  stringOrList
		Principal    map[string]stringOrList
		Condition    map[string]map[string]stringOrList
		NotPrincipal json.RawMessage
	}
	if len(raw.Statement) > 0 && raw.Statement[0] == '{' {
		raw.Statement = append(append([]byte("["), raw.Statement...), ']')
	}
	if err := json.Unmarshal(raw.Statement, &rawStatements); err != nil {
		return policy{}, fmt.Errorf("policy statements: %w", err)
	}
	var p policy
	for _, rs := range rawStatements {
		if rs.NotPrincipal != nil {
			return policy{}, fmt.Errorf("statement %q: NotPrincipal is not understood by these checks", rs.Sid)
		}
		st := statement{
			Sid: rs.Sid, Effect: rs.Effect,
			Actions: rs.Action, NotActions: rs.NotAction,
			Resources: rs.Resource, NotResources: rs.NotResource,
		}
		if len(rs.Principal) > 0 {
			st.Principals = map[string][]string{}
			for typ, ids := range rs.Principal {
				st.Principals[typ] = ids
			}
		}
		for test, byVariable := range rs.Condition {
			for variable, values := range byVariable {
				st.Conditions = append(st.Conditions, condition{Test: test, Variable: variable, Values: values})
			}
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

// policyDocumentJSON is a policy document as IAM returns it (URL-encoded)
// or as plain JSON, as plain JSON.
func policyDocumentJSON(doc string) string {
	if decoded, err := url.PathUnescape(doc); err == nil && !strings.HasPrefix(strings.TrimSpace(doc), "{") {
		return decoded
	}
	return doc
}

type stringOrList []string

func (s *stringOrList) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// scope evaluates a module's expressions the way Terraform would for one
// instance of a resource: variables (defaults unless set), locals, each or
// count, and stand-ins for the provider-computed attributes that policies
// reference (account ID, partition, ARNs).
type scope struct {
	m      *module
	vars   map[string]cty.Value
	roots  map[string]cty.Value
	locals map[string]cty.Value
}

const testAccountID = "123456789012"

// newScope starts a scope with every declared variable at its default,
// overridden by vars, and the data sources the stacks read.
func newScope(m *module, vars map[string]cty.Value) (*scope, error) {
	s := &scope{m: m, vars: map[string]cty.Value{}, locals: map[string]cty.Value{}, roots: map[string]cty.Value{
		"data": cty.ObjectVal(map[string]cty.Value{
			"aws_caller_identity": cty.ObjectVal(map[string]cty.Value{"current": cty.ObjectVal(map[string]cty.Value{"account_id": cty.StringVal(testAccountID)})}),
			"aws_partition":       cty.ObjectVal(map[string]cty.Value{"current": cty.ObjectVal(map[string]cty.Value{"partition": cty.StringVal("aws"), "dns_suffix": cty.StringVal("amazonaws.com")})}),
		}),
	}}
	for _, b := range m.blocks("variable") {
		name := b.Labels[0]
		if v, ok := vars[name]; ok {
			s.vars[name] = v
			continue
		}
		if def := attr(b, "default"); def != nil {
			v, diags := def.Value(nil)
			if diags.HasErrors() {
				return nil, diags
			}
			s.vars[name] = v
		}
	}
	return s, nil
}

// with returns a copy of the scope with more root values (each, count,
// resource stand-ins).
func (s *scope) with(roots map[string]cty.Value) *scope {
	c := &scope{m: s.m, vars: s.vars, roots: map[string]cty.Value{}, locals: map[string]cty.Value{}}
	for k, v := range s.roots {
		c.roots[k] = v
	}
	for k, v := range roots {
		c.roots[k] = v
	}
	return c
}

var policyFunctions = func() map[string]function.Function {
	fns := map[string]function.Function{
		"coalesce": stdlib.CoalesceFunc,
		"one":      oneFunc,
	}
	for name, fn := range functions {
		fns[name] = fn
	}
	return fns
}()

// oneFunc is Terraform's one(): the only element of a list, or null.
var oneFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty.IsTupleType() && len(ty.TupleElementTypes()) > 0:
			return ty.TupleElementTypes()[0], nil
		case ty.IsListType() || ty.IsSetType():
			return ty.ElementType(), nil
		}
		return cty.DynamicPseudoType, nil
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		if args[0].LengthInt() == 0 {
			return cty.NullVal(retType), nil
		}
		if args[0].LengthInt() > 1 {
			return cty.NilVal, errors.New("one() of more than one element")
		}
		it := args[0].ElementIterator()
		it.Next()
		_, v := it.Element()
		return v, nil
	},
})

func (s *scope) eval(expr hclsyntax.Expression) (cty.Value, error) {
	return s.evalSeen(expr, map[string]bool{})
}

func (s *scope) evalSeen(expr hclsyntax.Expression, seen map[string]bool) (cty.Value, error) {
	for _, tr := range expr.Variables() {
		root := tr.RootName()
		switch root {
		case "var":
			key := traversalName(tr, 2)
			if _, ok := s.vars[strings.TrimPrefix(key, "var.")]; !ok {
				return cty.NilVal, fmt.Errorf("%s has no default and no test value", key)
			}
		case "local":
			key := strings.TrimPrefix(traversalName(tr, 2), "local.")
			if _, done := s.locals[key]; done {
				continue
			}
			if seen[key] {
				return cty.NilVal, fmt.Errorf("local %q refers to itself", key)
			}
			lexpr := s.m.local(key)
			if lexpr == nil {
				return cty.NilVal, fmt.Errorf("undeclared local %q", key)
			}
			seen[key] = true
			v, err := s.evalSeen(lexpr, seen)
			delete(seen, key)
			if err != nil {
				return cty.NilVal, fmt.Errorf("local.%s: %w", key, err)
			}
			s.locals[key] = v
		default:
			if _, ok := s.roots[root]; !ok {
				return cty.NilVal, fmt.Errorf("no stand-in for %s", traversalName(tr, 2))
			}
		}
	}
	vars := map[string]cty.Value{"var": cty.ObjectVal(s.vars), "local": cty.ObjectVal(s.locals)}
	for k, v := range s.roots {
		vars[k] = v
	}
	v, diags := expr.Value(&hcl.EvalContext{Variables: vars, Functions: policyFunctions})
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return v, nil
}

// strings evaluates an expression that must be a list of strings (or a
// single string, or absent).
func (s *scope) strings(expr hclsyntax.Expression) ([]string, error) {
	if expr == nil {
		return nil, nil
	}
	v, err := s.eval(expr)
	if err != nil {
		return nil, err
	}
	if v.IsNull() {
		return nil, nil
	}
	if v.Type() == cty.String {
		return []string{v.AsString()}, nil
	}
	if !v.CanIterateElements() {
		return nil, fmt.Errorf("want a list of strings, got %s", v.Type().FriendlyName())
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			return nil, fmt.Errorf("want a list of strings, found %#v", e)
		}
		out = append(out, e.AsString())
	}
	return out, nil
}

func (s *scope) string(expr hclsyntax.Expression) (string, error) {
	v, err := s.eval(expr)
	if err != nil {
		return "", err
	}
	if v.IsNull() || v.Type() != cty.String {
		return "", fmt.Errorf("want a string, got %#v", v)
	}
	return v.AsString(), nil
}

// instanceKeys evaluates a block's for_each (to its keys) or count (to
// "0", "1", ...); a block with neither has the one key "".
func (s *scope) instanceKeys(b *hclsyntax.Block) ([]string, error) {
	if fe := attr(b, "for_each"); fe != nil {
		v, err := s.eval(fe)
		if err != nil {
			return nil, fmt.Errorf("for_each: %w", err)
		}
		var keys []string
		if v.Type().IsObjectType() || v.Type().IsMapType() {
			for it := v.ElementIterator(); it.Next(); {
				k, _ := it.Element()
				keys = append(keys, k.AsString())
			}
			return keys, nil
		}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			keys = append(keys, e.AsString())
		}
		return keys, nil
	}
	if c := attr(b, "count"); c != nil {
		v, err := s.eval(c)
		if err != nil {
			return nil, fmt.Errorf("count: %w", err)
		}
		n, _ := v.AsBigFloat().Int64()
		keys := make([]string, n)
		for i := range keys {
			keys[i] = fmt.Sprint(i)
		}
		return keys, nil
	}
	return []string{""}, nil
}

// instance returns the scope of one instance of a block (each.key or
// count.index set).
func (s *scope) instance(b *hclsyntax.Block, key string) *scope {
	switch {
	case attr(b, "for_each") != nil:
		return s.with(map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(key), "value": cty.StringVal(key)})})
	case attr(b, "count") != nil:
		n, _ := strconv.ParseInt(key, 10, 64) // instanceKeys made it from an integer
		return s.with(map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(n)})})
	}
	return s
}

// renderPolicyDocument evaluates the statement blocks of an
// aws_iam_policy_document the way the data source does.
func (s *scope) renderPolicyDocument(doc *hclsyntax.Block) (policy, error) {
	var p policy
	for i, b := range nested(doc, "statement") {
		st := statement{Effect: "Allow"}
		var err error
		field := func(name string, dst *[]string) {
			if err == nil {
				*dst, err = s.strings(attr(b, name))
				if err != nil {
					err = fmt.Errorf("statement %d %s: %w", i, name, err)
				}
			}
		}
		field("actions", &st.Actions)
		field("not_actions", &st.NotActions)
		field("resources", &st.Resources)
		field("not_resources", &st.NotResources)
		if err != nil {
			return policy{}, err
		}
		if e := attr(b, "sid"); e != nil {
			if st.Sid, err = s.string(e); err != nil {
				return policy{}, err
			}
		}
		if e := attr(b, "effect"); e != nil {
			if st.Effect, err = s.string(e); err != nil {
				return policy{}, err
			}
		}
		if len(b.Body.Blocks) > 0 && slices.ContainsFunc(b.Body.Blocks, func(n *hclsyntax.Block) bool { return n.Type == "dynamic" }) {
			return policy{}, fmt.Errorf("statement %q: dynamic blocks are not evaluated by these checks; write the blocks out", st.Sid)
		}
		for _, pb := range nested(b, "principals") {
			typ, err := s.string(attr(pb, "type"))
			if err != nil {
				return policy{}, err
			}
			ids, err := s.strings(attr(pb, "identifiers"))
			if err != nil {
				return policy{}, err
			}
			if st.Principals == nil {
				st.Principals = map[string][]string{}
			}
			st.Principals[typ] = append(st.Principals[typ], ids...)
		}
		for _, cb := range nested(b, "condition") {
			var c condition
			if c.Test, err = s.string(attr(cb, "test")); err != nil {
				return policy{}, err
			}
			if c.Variable, err = s.string(attr(cb, "variable")); err != nil {
				return policy{}, err
			}
			if c.Values, err = s.strings(attr(cb, "values")); err != nil {
				return policy{}, err
			}
			st.Conditions = append(st.Conditions, c)
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

// json renders the policy as the aws_iam_policy_document data source would,
// near enough to measure it against IAM's size limits.
func (p policy) json() ([]byte, error) {
	type jsonStatement struct {
		Sid         string                         `json:",omitempty"`
		Effect      string                         `json:",omitempty"`
		Action      []string                       `json:",omitempty"`
		NotAction   []string                       `json:",omitempty"`
		Resource    []string                       `json:",omitempty"`
		NotResource []string                       `json:",omitempty"`
		Principal   map[string][]string            `json:",omitempty"`
		Condition   map[string]map[string][]string `json:",omitempty"`
	}
	doc := struct {
		Version   string
		Statement []jsonStatement
	}{Version: "2012-10-17"}
	for _, st := range p.Statements {
		js := jsonStatement{Sid: st.Sid, Effect: st.Effect, Action: st.Actions, NotAction: st.NotActions, Resource: st.Resources, NotResource: st.NotResources, Principal: st.Principals}
		for _, c := range st.Conditions {
			if js.Condition == nil {
				js.Condition = map[string]map[string][]string{}
			}
			if js.Condition[c.Test] == nil {
				js.Condition[c.Test] = map[string][]string{}
			}
			js.Condition[c.Test][c.Variable] = c.Values
		}
		doc.Statement = append(doc.Statement, js)
	}
	return json.Marshal(doc)
}
