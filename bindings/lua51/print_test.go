package lua51

import (
	"fmt"
	"strings"

	"github.com/yuin/gopher-lua/ast"
)

// show prints a statement list as one-line Lua-like source, so tests can
// state what Rewrite makes of a chunk. Lines are shown as @N after each
// statement when withLines is set.
type printer struct {
	b         strings.Builder
	withLines bool
}

func show(stmts []ast.Stmt, withLines bool) string {
	p := &printer{withLines: withLines}
	p.stmts(stmts)
	return strings.TrimSpace(p.b.String())
}

func (p *printer) w(format string, args ...any) { fmt.Fprintf(&p.b, format, args...) }

func (p *printer) stmts(ss []ast.Stmt) {
	for _, s := range ss {
		p.stmt(s)
		if p.withLines {
			p.w("@%d", s.Line())
		}
		p.w("; ")
	}
}

func (p *printer) stmt(s ast.Stmt) {
	switch st := s.(type) {
	case *ast.AssignStmt:
		p.list(st.Lhs)
		p.w(" = ")
		p.list(st.Rhs)
	case *ast.LocalAssignStmt:
		p.w("local %s", strings.Join(st.Names, ", "))
		if len(st.Exprs) > 0 {
			p.w(" = ")
			p.list(st.Exprs)
		}
	case *ast.FuncCallStmt:
		p.expr(st.Expr)
	case *ast.DoBlockStmt:
		p.w("do ")
		p.stmts(st.Stmts)
		p.w("end")
	case *ast.WhileStmt:
		p.w("while ")
		p.expr(st.Condition)
		p.w(" do ")
		p.stmts(st.Stmts)
		p.w("end")
	case *ast.RepeatStmt:
		p.w("repeat ")
		p.stmts(st.Stmts)
		p.w("until ")
		p.expr(st.Condition)
	case *ast.IfStmt:
		p.w("if ")
		p.expr(st.Condition)
		p.w(" then ")
		p.stmts(st.Then)
		if len(st.Else) > 0 {
			p.w("else ")
			p.stmts(st.Else)
		}
		p.w("end")
	case *ast.NumberForStmt:
		p.w("for %s = ", st.Name)
		p.expr(st.Init)
		p.w(", ")
		p.expr(st.Limit)
		p.w(" do ")
		p.stmts(st.Stmts)
		p.w("end")
	case *ast.GenericForStmt:
		p.w("for %s in ", strings.Join(st.Names, ", "))
		p.list(st.Exprs)
		p.w(" do ")
		p.stmts(st.Stmts)
		p.w("end")
	case *ast.FuncDefStmt:
		p.w("function ")
		if st.Name.Func != nil {
			p.expr(st.Name.Func)
		} else {
			p.expr(st.Name.Receiver)
			p.w(":%s", st.Name.Method)
		}
		p.funcBody(st.Func)
	case *ast.ReturnStmt:
		p.w("return ")
		p.list(st.Exprs)
	case *ast.BreakStmt:
		p.w("break")
	default:
		p.w("<%T>", s)
	}
}

func (p *printer) funcBody(f *ast.FunctionExpr) {
	names := f.ParList.Names
	if f.ParList.HasVargs {
		names = append(append([]string{}, names...), "...")
	}
	p.w("(%s) ", strings.Join(names, ", "))
	p.stmts(f.Stmts)
	p.w("end")
}

func (p *printer) list(es []ast.Expr) {
	for i, e := range es {
		if i > 0 {
			p.w(", ")
		}
		p.expr(e)
	}
}

func (p *printer) expr(e ast.Expr) {
	switch ex := e.(type) {
	case *ast.IdentExpr:
		p.w("%s", ex.Value)
	case *ast.NumberExpr:
		p.w("%s", ex.Value)
	case *ast.StringExpr:
		p.w("%q", ex.Value)
	case *ast.NilExpr:
		p.w("nil")
	case *ast.TrueExpr:
		p.w("true")
	case *ast.FalseExpr:
		p.w("false")
	case *ast.Comma3Expr:
		p.w("...")
	case *ast.AttrGetExpr:
		p.expr(ex.Object)
		p.w("[")
		p.expr(ex.Key)
		p.w("]")
	case *ast.TableExpr:
		p.w("{")
		for i, f := range ex.Fields {
			if i > 0 {
				p.w(", ")
			}
			if f.Key != nil {
				p.w("[")
				p.expr(f.Key)
				p.w("] = ")
			}
			p.expr(f.Value)
		}
		p.w("}")
	case *ast.FuncCallExpr:
		if ex.Func != nil {
			p.expr(ex.Func)
		} else {
			p.expr(ex.Receiver)
			p.w(":%s", ex.Method)
		}
		p.w("(")
		p.list(ex.Args)
		p.w(")")
	case *ast.ArithmeticOpExpr:
		p.bin(ex.Lhs, ex.Operator, ex.Rhs)
	case *ast.RelationalOpExpr:
		p.bin(ex.Lhs, ex.Operator, ex.Rhs)
	case *ast.LogicalOpExpr:
		p.bin(ex.Lhs, ex.Operator, ex.Rhs)
	case *ast.StringConcatOpExpr:
		p.bin(ex.Lhs, "..", ex.Rhs)
	case *ast.UnaryMinusOpExpr:
		p.w("-")
		p.expr(ex.Expr)
	case *ast.UnaryNotOpExpr:
		p.w("not ")
		p.expr(ex.Expr)
	case *ast.UnaryLenOpExpr:
		p.w("#")
		p.expr(ex.Expr)
	case *ast.FunctionExpr:
		p.w("function")
		p.funcBody(ex)
	default:
		p.w("<%T>", e)
	}
}

func (p *printer) bin(l ast.Expr, op string, r ast.Expr) {
	p.w("(")
	p.expr(l)
	p.w(" %s ", op)
	p.expr(r)
	p.w(")")
}
