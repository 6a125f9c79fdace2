// Package infra_test checks the Terraform in this directory without a cloud
// provider: formatting, invariants over the parsed HCL, Trivy and TFLint, and
// terraform test where the AWS provider can be installed.
package infra_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// stackDirs are the Terraform root modules, relative to this directory.
var stackDirs = map[string]string{
	"service":   ".",
	"registry":  "registry",
	"bootstrap": "bootstrap",
	"network":   "modules/network",
}

// module is one Terraform module's .tf files, parsed for inspection.
type module struct {
	sources map[string][]byte // by file name, as read
	bodies  map[string]*hclsyntax.Body
}

// readSources returns the .tf files of dir by base name.
func readSources(dir string) (map[string][]byte, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no .tf files in %s", dir)
	}
	sources := make(map[string][]byte, len(paths))
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		sources[filepath.Base(path)] = src
	}
	return sources, nil
}

// parseModule parses Terraform sources keyed by file name.
func parseModule(sources map[string][]byte) (*module, error) {
	m := &module{sources: sources, bodies: make(map[string]*hclsyntax.Body, len(sources))}
	for name, src := range sources {
		file, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, diags
		}
		m.bodies[name] = file.Body.(*hclsyntax.Body)
	}
	return m, nil
}

// loadStacks parses every stack in stackDirs.
func loadStacks(t testing.TB) map[string]*module {
	t.Helper()
	stacks := make(map[string]*module, len(stackDirs))
	for name, dir := range stackDirs {
		sources, err := readSources(dir)
		if err != nil {
			t.Fatal(err)
		}
		m, err := parseModule(sources)
		if err != nil {
			t.Fatalf("%s stack: %v", name, err)
		}
		stacks[name] = m
	}
	return stacks
}

// blocks returns the top-level blocks of the given type whose labels start
// with labels, in file-name order.
func (m *module) blocks(typ string, labels ...string) []*hclsyntax.Block {
	names := make([]string, 0, len(m.bodies))
	for name := range m.bodies {
		names = append(names, name)
	}
	sort.Strings(names)
	var found []*hclsyntax.Block
	for _, name := range names {
		for _, b := range m.bodies[name].Blocks {
			if b.Type == typ && len(b.Labels) >= len(labels) && slices.Equal(b.Labels[:len(labels)], labels) {
				found = append(found, b)
			}
		}
	}
	return found
}

// resources returns the resource blocks of a type.
func (m *module) resources(typ string) []*hclsyntax.Block {
	return m.blocks("resource", typ)
}

// resource returns one resource block, or nil.
func (m *module) resource(typ, name string) *hclsyntax.Block {
	if found := m.blocks("resource", typ, name); len(found) > 0 {
		return found[0]
	}
	return nil
}

// local returns the expression of a local value, or nil.
func (m *module) local(name string) hclsyntax.Expression {
	for _, b := range m.blocks("locals") {
		if a, ok := b.Body.Attributes[name]; ok {
			return a.Expr
		}
	}
	return nil
}

// variable returns a variable block, or nil.
func (m *module) variable(name string) *hclsyntax.Block {
	if found := m.blocks("variable", name); len(found) > 0 {
		return found[0]
	}
	return nil
}

// nested returns the nested blocks of a type (dynamic blocks excluded).
func nested(b *hclsyntax.Block, typ string) []*hclsyntax.Block {
	if b == nil {
		return nil
	}
	var found []*hclsyntax.Block
	for _, n := range b.Body.Blocks {
		if n.Type == typ {
			found = append(found, n)
		}
	}
	return found
}

// attr returns an attribute's expression, or nil when it is not set.
func attr(b *hclsyntax.Block, name string) hclsyntax.Expression {
	if b == nil {
		return nil
	}
	if a, ok := b.Body.Attributes[name]; ok {
		return a.Expr
	}
	return nil
}

// literal evaluates an expression that references nothing.
func literal(expr hclsyntax.Expression) (cty.Value, bool) {
	if expr == nil || len(expr.Variables()) > 0 {
		return cty.NilVal, false
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	return v, true
}

// isLiteral reports whether expr is a literal equal to want.
func isLiteral(expr hclsyntax.Expression, want cty.Value) bool {
	v, ok := literal(expr)
	return ok && !v.IsNull() && v.Type().Equals(want.Type()) && v.Equals(want).True()
}

// traversalName renders the first steps of a traversal, e.g.
// "aws_security_group.alb" for aws_security_group.alb.id with steps=2.
func traversalName(tr hcl.Traversal, steps int) string {
	parts := []string{tr.RootName()}
	for _, step := range tr[1:] {
		if len(parts) == steps {
			break
		}
		a, ok := step.(hcl.TraverseAttr)
		if !ok {
			break
		}
		parts = append(parts, a.Name)
	}
	return strings.Join(parts, ".")
}

// references returns the two-step names (var.x, local.y,
// aws_security_group.alb) that expr references, following locals through
// their own expressions.
func (m *module) references(expr hclsyntax.Expression) map[string]bool {
	refs := map[string]bool{}
	var walk func(hclsyntax.Expression)
	walk = func(e hclsyntax.Expression) {
		if e == nil {
			return
		}
		for _, tr := range e.Variables() {
			name := traversalName(tr, 2)
			if refs[name] {
				continue
			}
			refs[name] = true
			if tr.RootName() == "local" {
				walk(m.local(strings.TrimPrefix(name, "local.")))
			}
		}
	}
	walk(expr)
	return refs
}

// isTraversal reports whether expr is exactly a reference to name
// (e.g. "var.container_port"), possibly with further attributes or an index.
func isTraversal(expr hclsyntax.Expression, name string) bool {
	ste, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	return ok && traversalName(ste.Traversal, 2) == name
}

// functions are the Terraform functions the invariants need to evaluate the
// module's own expressions.
var functions = map[string]function.Function{
	"can":      tryfunc.CanFunc,
	"concat":   stdlib.ConcatFunc,
	"contains": stdlib.ContainsFunc,
	"floor":    stdlib.FloorFunc,
	"compact":  stdlib.CompactFunc,
	"keys":     stdlib.KeysFunc,
	"length":   stdlib.LengthFunc,
	"lookup":   stdlib.LookupFunc,
	"max":      stdlib.MaxFunc,
	"merge":    stdlib.MergeFunc,
	"min":      stdlib.MinFunc,
	"range":    stdlib.RangeFunc,
	"regex":    stdlib.RegexFunc,
	"toset":    stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
	"tostring": stdlib.MakeToFunc(cty.String),
	"try":      tryfunc.TryFunc,
}

// eval evaluates expr with the given variable values, falling back to the
// variables' defaults, and the module's locals as far as expr needs them.
// Anything else it references (resources, data sources) is an error.
func (m *module) eval(expr hclsyntax.Expression, vars map[string]cty.Value) (cty.Value, error) {
	return m.evalSeen(expr, vars, map[string]bool{})
}

func (m *module) evalSeen(expr hclsyntax.Expression, vars map[string]cty.Value, seen map[string]bool) (cty.Value, error) {
	varVals := map[string]cty.Value{}
	localVals := map[string]cty.Value{}
	for _, tr := range expr.Variables() {
		name := traversalName(tr, 2)
		root, key, _ := strings.Cut(name, ".")
		switch root {
		case "var":
			if v, ok := vars[key]; ok {
				varVals[key] = v
				continue
			}
			b := m.variable(key)
			if b == nil {
				return cty.NilVal, fmt.Errorf("undeclared variable %q", key)
			}
			def := attr(b, "default")
			if def == nil {
				return cty.NilVal, fmt.Errorf("variable %q has no default and no test value", key)
			}
			v, diags := def.Value(nil)
			if diags.HasErrors() {
				return cty.NilVal, diags
			}
			varVals[key] = v
		case "local":
			if seen[key] {
				return cty.NilVal, fmt.Errorf("local %q refers to itself", key)
			}
			lexpr := m.local(key)
			if lexpr == nil {
				return cty.NilVal, fmt.Errorf("undeclared local %q", key)
			}
			seen[key] = true
			v, err := m.evalSeen(lexpr, vars, seen)
			delete(seen, key)
			if err != nil {
				return cty.NilVal, fmt.Errorf("local.%s: %w", key, err)
			}
			localVals[key] = v
		default:
			return cty.NilVal, fmt.Errorf("cannot evaluate a reference to %s without a provider", name)
		}
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":   cty.ObjectVal(varVals),
			"local": cty.ObjectVal(localVals),
		},
		Functions: functions,
	}
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return v, nil
}

// evalInt evaluates expr to a whole number.
func (m *module) evalInt(expr hclsyntax.Expression, vars map[string]cty.Value) (int64, error) {
	v, err := m.eval(expr, vars)
	if err != nil {
		return 0, err
	}
	if v.IsNull() || !v.IsKnown() {
		return 0, fmt.Errorf("not a known number")
	}
	if v.Type() == cty.String {
		n, err := cty.ParseNumberVal(v.AsString())
		if err != nil {
			return 0, err
		}
		v = n
	}
	if v.Type() != cty.Number {
		return 0, fmt.Errorf("%s is not a number", v.Type().FriendlyName())
	}
	i, acc := v.AsBigFloat().Int64()
	if acc != 0 {
		return 0, fmt.Errorf("%s is not a whole number", v.AsBigFloat())
	}
	return i, nil
}

// objectItem returns the value expression of key in an object constructor.
func objectItem(expr hclsyntax.Expression, key string) hclsyntax.Expression {
	obj, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil
	}
	for _, item := range obj.Items {
		k, ok := literal(item.KeyExpr)
		if !ok {
			// Bare keys parse as ObjectConsKeyExpr wrapping a traversal.
			if kexpr, isKey := item.KeyExpr.(*hclsyntax.ObjectConsKeyExpr); isKey {
				if name := hcl.ExprAsKeyword(kexpr.Wrapped); name == key {
					return item.ValueExpr
				}
			}
			continue
		}
		if k.Type() == cty.String && k.AsString() == key {
			return item.ValueExpr
		}
	}
	return nil
}

// containers returns the container objects of a task definition whose
// container_definitions is jsonencode([ {...}, ... ]).
func containers(td *hclsyntax.Block) []hclsyntax.Expression {
	call, ok := attr(td, "container_definitions").(*hclsyntax.FunctionCallExpr)
	if !ok || call.Name != "jsonencode" || len(call.Args) != 1 {
		return nil
	}
	tuple, ok := call.Args[0].(*hclsyntax.TupleConsExpr)
	if !ok {
		return nil
	}
	return tuple.Exprs
}
