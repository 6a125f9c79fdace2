package infra_test

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// Edits to one statement of an aws_iam_policy_document, found by its sid:
// the careless changes the policy invariants must catch.

func policyDoc(name string) []blockRef {
	return []blockRef{block("data", "aws_iam_policy_document", name)}
}

// findStatement returns the statement block whose sid is sid.
func findStatement(doc *hclwrite.Body, sid string) (*hclwrite.Block, error) {
	for _, b := range doc.Blocks() {
		if b.Type() != "statement" {
			continue
		}
		if a := b.Body().GetAttribute("sid"); a != nil && strings.Trim(strings.TrimSpace(string(a.Expr().BuildTokens(nil).Bytes())), `"`) == sid {
			return b, nil
		}
	}
	return nil, fmt.Errorf("no statement with sid %q", sid)
}

// onStatement makes a mutation named name that edits statement sid of a
// policy document in the bootstrap stack, or the document around it.
func onStatement(file, doc, sid, name string, edit func(doc *hclwrite.Body, st *hclwrite.Block) error) mutation {
	return mutation{
		name:  name,
		stack: "bootstrap",
		file:  file,
		path:  policyDoc(doc),
		edit: func(body *hclwrite.Body) error {
			st, err := findStatement(body, sid)
			if err != nil {
				return err
			}
			return edit(body, st)
		},
	}
}

// inStatement makes a mutation that edits the body of statement sid.
func inStatement(file, doc, sid, name string, edit func(*hclwrite.Body) error) mutation {
	return onStatement(file, doc, sid, sid+": "+name, func(_ *hclwrite.Body, st *hclwrite.Block) error {
		return edit(st.Body())
	})
}

// setStatement sets an attribute of a statement to an HCL expression.
func setStatement(file, doc, sid, attrName, src string) mutation {
	return inStatement(file, doc, sid, attrName+" = "+src, func(b *hclwrite.Body) error {
		tokens, err := exprTokens(src)
		if err != nil {
			return err
		}
		b.SetAttributeRaw(attrName, tokens)
		return nil
	})
}

// conditionOn returns the condition block of a statement on variable.
func conditionOn(b *hclwrite.Body, variable string) (*hclwrite.Block, error) {
	for _, c := range b.Blocks() {
		if v := c.Body().GetAttribute("variable"); c.Type() == "condition" && v != nil && strings.Contains(string(v.Expr().BuildTokens(nil).Bytes()), `"`+variable+`"`) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("no condition on %s", variable)
}

// dropCondition removes a statement's condition on variable.
func dropCondition(file, doc, sid, variable string) mutation {
	return inStatement(file, doc, sid, "without the "+variable+" condition", func(b *hclwrite.Body) error {
		c, err := conditionOn(b, variable)
		if err != nil {
			return err
		}
		b.RemoveBlock(c)
		return nil
	})
}

// setCondition sets an attribute (test or values) of a statement's
// condition on variable.
func setCondition(file, doc, sid, variable, attrName, src string) mutation {
	return inStatement(file, doc, sid, variable+" condition "+attrName+" = "+src, func(b *hclwrite.Body) error {
		c, err := conditionOn(b, variable)
		if err != nil {
			return err
		}
		tokens, err := exprTokens(src)
		if err != nil {
			return err
		}
		c.Body().SetAttributeRaw(attrName, tokens)
		return nil
	})
}

// addCondition adds an unrelated condition to a statement, which turns an
// unconditional Deny into one that can be sidestepped.
func addCondition(file, doc, sid, test, variable, values string) mutation {
	return inStatement(file, doc, sid, "with a "+variable+" condition", func(b *hclwrite.Body) error {
		c := b.AppendNewBlock("condition", nil)
		tokens, err := exprTokens(values)
		if err != nil {
			return err
		}
		c.Body().SetAttributeValue("test", cty.StringVal(test))
		c.Body().SetAttributeValue("variable", cty.StringVal(variable))
		c.Body().SetAttributeRaw("values", tokens)
		return nil
	})
}

// dropStatement removes statement sid from a policy document.
func dropStatement(file, doc, sid string) mutation {
	return onStatement(file, doc, sid, "without statement "+sid, func(doc *hclwrite.Body, st *hclwrite.Block) error {
		doc.RemoveBlock(st)
		return nil
	})
}

// dropNullCondition removes a statement's Null condition on variable, the
// guard a ForAllValues condition beside it on the same key needs.
func dropNullCondition(file, doc, sid, variable string) mutation {
	return inStatement(file, doc, sid, "without the Null "+variable+" condition", func(b *hclwrite.Body) error {
		for _, c := range b.Blocks() {
			if c.Type() != "condition" || c.Body().GetAttribute("test") == nil || c.Body().GetAttribute("variable") == nil {
				continue
			}
			test := string(c.Body().GetAttribute("test").Expr().BuildTokens(nil).Bytes())
			key := string(c.Body().GetAttribute("variable").Expr().BuildTokens(nil).Bytes())
			if strings.Contains(test, `"Null"`) && strings.Contains(key, `"`+variable+`"`) {
				b.RemoveBlock(c)
				return nil
			}
		}
		return fmt.Errorf("no Null condition on %s", variable)
	})
}
