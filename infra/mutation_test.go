package infra_test

import (
	"fmt"
	"maps"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// A mutation breaks one property of one stack, the way a careless edit
// would: it rewrites an attribute of a real block, removes one, or adds a
// small snippet. Each invariant must fail on each of its mutations, which
// proves the invariant actually looks at the property it names.
type mutation struct {
	name  string
	stack string // key of stackDirs
	file  string // file to edit, or to create when snippet is set
	path  []blockRef
	edit  func(*hclwrite.Body) error
	// snippet, when set, is written as a new file instead of an edit.
	snippet string
}

// blockRef selects a block by type and labels, like resource "aws_lb" "this".
type blockRef struct {
	typ    string
	labels []string
}

func block(typ string, labels ...string) blockRef { return blockRef{typ, labels} }

func resourceBlock(typ, name string) blockRef { return block("resource", typ, name) }

// as renames a mutation whose generated name is unwieldy.
func (mu mutation) as(name string) mutation {
	mu.name = name
	return mu
}

// set makes a mutation that sets attribute name to the HCL expression src.
func set(stack, file string, path []blockRef, name, src string) mutation {
	return mutation{
		name:  fmt.Sprintf("%s = %s", name, src),
		stack: stack,
		file:  file,
		path:  path,
		edit: func(body *hclwrite.Body) error {
			tokens, err := exprTokens(src)
			if err != nil {
				return err
			}
			body.SetAttributeRaw(name, tokens)
			return nil
		},
	}
}

// unset makes a mutation that removes attribute name.
func unset(stack, file string, path []blockRef, name string) mutation {
	return mutation{
		name:  "without " + name,
		stack: stack,
		file:  file,
		path:  path,
		edit: func(body *hclwrite.Body) error {
			if body.RemoveAttribute(name) == nil {
				return fmt.Errorf("no attribute %q to remove", name)
			}
			return nil
		},
	}
}

// drop makes a mutation that removes the nested block typ.
func drop(stack, file string, path []blockRef, typ string) mutation {
	return mutation{
		name:  "without " + typ + " block",
		stack: stack,
		file:  file,
		path:  path,
		edit: func(body *hclwrite.Body) error {
			b := body.FirstMatchingBlock(typ, nil)
			if b == nil {
				return fmt.Errorf("no %s block to remove", typ)
			}
			body.RemoveBlock(b)
			return nil
		},
	}
}

// add makes a mutation that adds a file holding snippet.
func add(stack, name, snippet string) mutation {
	return mutation{name: "adds " + name, stack: stack, file: name, snippet: snippet}
}

// exprTokens returns the tokens of an HCL expression.
func exprTokens(src string) (hclwrite.Tokens, error) {
	f, diags := hclwrite.ParseConfig([]byte("x = "+src+"\n"), "expr.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	return f.Body().GetAttribute("x").Expr().BuildTokens(nil), nil
}

// apply returns a copy of stacks with the mutation applied.
func (mu mutation) apply(stacks map[string]*module) (map[string]*module, error) {
	orig, ok := stacks[mu.stack]
	if !ok {
		return nil, fmt.Errorf("unknown stack %q", mu.stack)
	}
	sources := maps.Clone(orig.sources)
	if mu.snippet != "" {
		if _, exists := sources[mu.file]; exists {
			return nil, fmt.Errorf("%s already exists", mu.file)
		}
		sources[mu.file] = []byte(mu.snippet)
	} else {
		src, ok := sources[mu.file]
		if !ok {
			return nil, fmt.Errorf("no file %s in the %s stack", mu.file, mu.stack)
		}
		f, diags := hclwrite.ParseConfig(src, mu.file, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, diags
		}
		body := f.Body()
		for _, ref := range mu.path {
			b := body.FirstMatchingBlock(ref.typ, ref.labels)
			if b == nil {
				return nil, fmt.Errorf("%s: no block %s %q", mu.file, ref.typ, ref.labels)
			}
			body = b.Body()
		}
		if err := mu.edit(body); err != nil {
			return nil, fmt.Errorf("%s: %w", mu.file, err)
		}
		sources[mu.file] = f.Bytes()
	}
	m, err := parseModule(sources)
	if err != nil {
		return nil, err
	}
	mutated := maps.Clone(stacks)
	mutated[mu.stack] = m
	return mutated, nil
}
