package lua51

import (
	"strconv"

	"github.com/yuin/gopher-lua/ast"
)

// Rewrite returns chunk (as parse.Parse made it) with the two rewrites
// described in the package documentation applied: cells for captured,
// reassigned locals and temporaries for multiple assignments. Nodes of
// chunk are reused and modified; every new node carries the line of the
// node it stands for, so messages and tracebacks name the script's lines.
// The result is a pure function of the tree: equal source, equal output.
func Rewrite(chunk []ast.Stmt) []ast.Stmt {
	r := &rewriter{a: analyze(chunk)}
	return r.stmts(chunk)
}

type rewriter struct {
	a *analysis
}

func (r *rewriter) isCell(e *ast.IdentExpr) bool {
	v := r.a.refs[e]
	return v != nil && v.cell()
}

func (r *rewriter) stmts(in []ast.Stmt) []ast.Stmt {
	out := make([]ast.Stmt, 0, len(in))
	for _, s := range in {
		out = r.stmt(out, s)
	}
	return out
}

// stmt appends the rewrite of s to out.
func (r *rewriter) stmt(out []ast.Stmt, s ast.Stmt) []ast.Stmt {
	switch st := s.(type) {
	case *ast.AssignStmt:
		for i, e := range st.Lhs {
			st.Lhs[i] = r.expr(e) // a target rewrites as a read does
		}
		r.exprs(st.Rhs)
		if len(st.Lhs) > 1 {
			return append(out, r.multiAssign(st))
		}
	case *ast.LocalAssignStmt:
		r.exprs(st.Exprs)
		out = append(out, st)
		for _, v := range r.a.locals[st] {
			if v.cell() {
				out = append(out, cellInit(v.name, st.Line()))
			}
		}
		return out
	case *ast.FuncCallStmt:
		st.Expr = r.expr(st.Expr)
	case *ast.DoBlockStmt:
		st.Stmts = r.stmts(st.Stmts)
	case *ast.WhileStmt:
		st.Condition = r.expr(st.Condition)
		st.Stmts = r.stmts(st.Stmts)
	case *ast.RepeatStmt:
		st.Stmts = r.stmts(st.Stmts)
		st.Condition = r.expr(st.Condition)
	case *ast.IfStmt:
		st.Condition = r.expr(st.Condition)
		st.Then = r.stmts(st.Then)
		st.Else = r.stmts(st.Else)
	case *ast.NumberForStmt:
		st.Init = r.expr(st.Init)
		st.Limit = r.expr(st.Limit)
		if st.Step != nil {
			st.Step = r.expr(st.Step)
		}
		st.Stmts = r.withCells(r.a.forVars[st], st.Line(), r.stmts(st.Stmts))
	case *ast.GenericForStmt:
		r.exprs(st.Exprs)
		st.Stmts = r.withCells(r.a.forVars[st], st.Line(), r.stmts(st.Stmts))
	case *ast.FuncDefStmt:
		if st.Name.Func != nil {
			st.Name.Func = r.expr(st.Name.Func)
		} else {
			st.Name.Receiver = r.expr(st.Name.Receiver)
		}
		r.function(st.Func)
	case *ast.ReturnStmt:
		r.exprs(st.Exprs)
	}
	return append(out, s)
}

// withCells puts the cell initialisations of vs before body.
func (r *rewriter) withCells(vs []*variable, line int, body []ast.Stmt) []ast.Stmt {
	var pre []ast.Stmt
	for _, v := range vs {
		if v.cell() {
			pre = append(pre, cellInit(v.name, line))
		}
	}
	if len(pre) == 0 {
		return body
	}
	return append(pre, body...)
}

func (r *rewriter) function(f *ast.FunctionExpr) {
	f.Stmts = r.withCells(r.a.params[f], f.Line(), r.stmts(f.Stmts))
}

func (r *rewriter) exprs(es []ast.Expr) {
	for i, e := range es {
		es[i] = r.expr(e)
	}
}

func (r *rewriter) expr(e ast.Expr) ast.Expr {
	switch ex := e.(type) {
	case *ast.IdentExpr:
		if r.isCell(ex) {
			return cellRef(ex)
		}
	case *ast.AttrGetExpr:
		ex.Object = r.expr(ex.Object)
		ex.Key = r.expr(ex.Key)
	case *ast.TableExpr:
		for _, f := range ex.Fields {
			if f.Key != nil {
				f.Key = r.expr(f.Key)
			}
			f.Value = r.expr(f.Value)
		}
	case *ast.FuncCallExpr:
		if ex.Func != nil {
			ex.Func = r.expr(ex.Func)
		}
		if ex.Receiver != nil {
			ex.Receiver = r.expr(ex.Receiver)
		}
		r.exprs(ex.Args)
	case *ast.LogicalOpExpr:
		ex.Lhs, ex.Rhs = r.expr(ex.Lhs), r.expr(ex.Rhs)
	case *ast.RelationalOpExpr:
		ex.Lhs, ex.Rhs = r.expr(ex.Lhs), r.expr(ex.Rhs)
	case *ast.StringConcatOpExpr:
		ex.Lhs, ex.Rhs = r.expr(ex.Lhs), r.expr(ex.Rhs)
	case *ast.ArithmeticOpExpr:
		ex.Lhs, ex.Rhs = r.expr(ex.Lhs), r.expr(ex.Rhs)
	case *ast.UnaryMinusOpExpr:
		ex.Expr = r.expr(ex.Expr)
	case *ast.UnaryNotOpExpr:
		ex.Expr = r.expr(ex.Expr)
	case *ast.UnaryLenOpExpr:
		ex.Expr = r.expr(ex.Expr)
	case *ast.FunctionExpr:
		r.function(ex)
	}
	return e
}

// multiAssign rewrites `t1, …, tn = e1, …, em` (targets and values already
// rewritten) so that every value is computed, and every table target's
// object and key taken, before anything is assigned.
func (r *rewriter) multiAssign(st *ast.AssignStmt) ast.Stmt {
	line := st.Line()
	assigned := map[*variable]bool{}
	for _, e := range st.Lhs {
		if id, ok := e.(*ast.IdentExpr); ok {
			if v := r.a.refs[id]; v != nil {
				assigned[v] = true
			}
		}
	}
	var preNames []string
	var preExprs []ast.Expr
	hold := func(e ast.Expr) ast.Expr {
		if r.stable(e, assigned) {
			return e
		}
		name := "(assign " + strconv.Itoa(len(preNames)+1) + ")"
		preNames = append(preNames, name)
		preExprs = append(preExprs, e)
		return ident(name, e.Line())
	}
	targets := make([]ast.Expr, len(st.Lhs))
	for i, e := range st.Lhs {
		if ex, ok := e.(*ast.AttrGetExpr); ok {
			t := &ast.AttrGetExpr{Object: hold(ex.Object), Key: hold(ex.Key)}
			t.SetLine(ex.Line())
			t.SetLastLine(ex.LastLine())
			targets[i] = t
		} else {
			targets[i] = e
		}
	}
	body := make([]ast.Stmt, 0, len(st.Lhs)+2)
	if len(preNames) > 0 {
		body = append(body, localAssign(preNames, preExprs, line))
	}
	valueNames := make([]string, len(st.Lhs))
	for i := range valueNames {
		valueNames[i] = "(value " + strconv.Itoa(i+1) + ")"
	}
	body = append(body, localAssign(valueNames, st.Rhs, line))
	for i := len(targets) - 1; i >= 0; i-- {
		a := &ast.AssignStmt{Lhs: []ast.Expr{targets[i]}, Rhs: []ast.Expr{ident(valueNames[i], targets[i].Line())}}
		a.SetLine(targets[i].Line())
		a.SetLastLine(targets[i].Line())
		body = append(body, a)
	}
	do := &ast.DoBlockStmt{Stmts: body}
	do.SetLine(line)
	do.SetLastLine(st.LastLine())
	return do
}

// stable reports whether e has the same value before and after the
// statement's values are evaluated: a constant, a cell reference (the
// cell's register never changes), or a local that no closure can change
// and this statement does not assign.
func (r *rewriter) stable(e ast.Expr, assigned map[*variable]bool) bool {
	switch ex := e.(type) {
	case *ast.NumberExpr, *ast.StringExpr, *ast.NilExpr, *ast.TrueExpr, *ast.FalseExpr:
		return true
	case *ast.IdentExpr:
		v := r.a.refs[ex]
		return v != nil && (v.cell() || !v.captured && !assigned[v])
	}
	return false
}

func ident(name string, line int) *ast.IdentExpr {
	e := &ast.IdentExpr{Value: name}
	e.SetLine(line)
	e.SetLastLine(line)
	return e
}

func localAssign(names []string, exprs []ast.Expr, line int) *ast.LocalAssignStmt {
	s := &ast.LocalAssignStmt{Names: names, Exprs: exprs}
	s.SetLine(line)
	s.SetLastLine(line)
	return s
}

// cellRef is `x[1]` for the cell variable x, at x's line.
func cellRef(x *ast.IdentExpr) ast.Expr {
	one := &ast.NumberExpr{Value: "1"}
	one.SetLine(x.Line())
	one.SetLastLine(x.Line())
	e := &ast.AttrGetExpr{Object: x, Key: one}
	e.SetLine(x.Line())
	e.SetLastLine(x.LastLine())
	return e
}

// cellInit is `x = {x}`: the local's value moves into its cell before any
// closure can capture it.
func cellInit(name string, line int) ast.Stmt {
	t := &ast.TableExpr{Fields: []*ast.Field{{Value: ident(name, line)}}}
	t.SetLine(line)
	t.SetLastLine(line)
	s := &ast.AssignStmt{Lhs: []ast.Expr{ident(name, line)}, Rhs: []ast.Expr{t}}
	s.SetLine(line)
	s.SetLastLine(line)
	return s
}
