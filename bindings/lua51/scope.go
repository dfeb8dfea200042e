package lua51

import (
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// variable is one local declaration (a `local` name, a parameter, the
// implicit self or arg, a loop variable).
type variable struct {
	name     string
	fn       int  // the function that declares it
	captured bool // referenced from another (nested) function
	assigned bool // target of an assignment after its declaration
}

// cell reports whether the variable must live in a one-element table.
func (v *variable) cell() bool { return v.captured && v.assigned }

// analysis resolves every identifier of a chunk to its declaration, with
// the scoping gopher-lua's compiler applies (which is Lua 5.1's, plus one
// quirk: `local f = function` sees the new f, like `local function f`).
type analysis struct {
	vars    []*variable // visible declarations, innermost last
	fn      int         // current function
	nextFn  int
	refs    map[*ast.IdentExpr]*variable
	locals  map[*ast.LocalAssignStmt][]*variable
	params  map[*ast.FunctionExpr][]*variable
	forVars map[ast.Stmt][]*variable
}

func analyze(chunk []ast.Stmt) *analysis {
	a := &analysis{
		refs:    map[*ast.IdentExpr]*variable{},
		locals:  map[*ast.LocalAssignStmt][]*variable{},
		params:  map[*ast.FunctionExpr][]*variable{},
		forVars: map[ast.Stmt][]*variable{},
	}
	a.block(chunk) // the main chunk: vararg, no implicit arg
	return a
}

func (a *analysis) declare(name string) *variable {
	v := &variable{name: name, fn: a.fn}
	a.vars = append(a.vars, v)
	return v
}

func (a *analysis) lookup(name string) *variable {
	for i := len(a.vars) - 1; i >= 0; i-- {
		if a.vars[i].name == name {
			return a.vars[i]
		}
	}
	return nil // a global
}

func (a *analysis) ident(e *ast.IdentExpr, assign bool) {
	v := a.lookup(e.Value)
	if v == nil {
		return
	}
	a.refs[e] = v
	if v.fn != a.fn {
		v.captured = true
	}
	if assign {
		v.assigned = true
	}
}

func (a *analysis) block(stmts []ast.Stmt) {
	mark := len(a.vars)
	a.stmts(stmts)
	a.vars = a.vars[:mark]
}

func (a *analysis) stmts(stmts []ast.Stmt) {
	for _, s := range stmts {
		a.stmt(s)
	}
}

func (a *analysis) stmt(s ast.Stmt) {
	switch st := s.(type) {
	case *ast.AssignStmt:
		for _, e := range st.Lhs {
			a.target(e)
		}
		a.exprs(st.Rhs)
	case *ast.LocalAssignStmt:
		var vs []*variable
		if isLocalFunction(st) { // compiled with the name already in scope
			vs = append(vs, a.declare(st.Names[0]))
			a.exprs(st.Exprs)
		} else {
			a.exprs(st.Exprs)
			for _, n := range st.Names {
				vs = append(vs, a.declare(n))
			}
		}
		a.locals[st] = vs
	case *ast.FuncCallStmt:
		a.expr(st.Expr)
	case *ast.DoBlockStmt:
		a.block(st.Stmts)
	case *ast.WhileStmt:
		a.expr(st.Condition)
		a.block(st.Stmts)
	case *ast.RepeatStmt: // the condition sees the body's locals
		mark := len(a.vars)
		a.stmts(st.Stmts)
		a.expr(st.Condition)
		a.vars = a.vars[:mark]
	case *ast.IfStmt:
		a.expr(st.Condition)
		a.block(st.Then)
		a.block(st.Else)
	case *ast.NumberForStmt:
		a.expr(st.Init)
		a.expr(st.Limit)
		if st.Step != nil {
			a.expr(st.Step)
		}
		mark := len(a.vars)
		a.forVars[st] = []*variable{a.declare(st.Name)}
		a.stmts(st.Stmts)
		a.vars = a.vars[:mark]
	case *ast.GenericForStmt:
		a.exprs(st.Exprs)
		mark := len(a.vars)
		var vs []*variable
		for _, n := range st.Names {
			vs = append(vs, a.declare(n))
		}
		a.forVars[st] = vs
		a.stmts(st.Stmts)
		a.vars = a.vars[:mark]
	case *ast.FuncDefStmt:
		if st.Name.Func != nil { // function a.b.c() / function f(): an assignment
			a.target(st.Name.Func)
			a.function(st.Func, false)
		} else { // function a.b:m(): a method with an implicit self
			a.expr(st.Name.Receiver)
			a.function(st.Func, true)
		}
	case *ast.ReturnStmt:
		a.exprs(st.Exprs)
	}
}

func isLocalFunction(st *ast.LocalAssignStmt) bool {
	if len(st.Names) != 1 || len(st.Exprs) != 1 {
		return false
	}
	_, ok := st.Exprs[0].(*ast.FunctionExpr)
	return ok
}

func (a *analysis) target(e ast.Expr) {
	switch ex := e.(type) {
	case *ast.IdentExpr:
		a.ident(ex, true)
	case *ast.AttrGetExpr:
		a.expr(ex.Object)
		a.expr(ex.Key)
	}
}

func (a *analysis) exprs(es []ast.Expr) {
	for _, e := range es {
		a.expr(e)
	}
}

func (a *analysis) expr(e ast.Expr) {
	switch ex := e.(type) {
	case *ast.IdentExpr:
		a.ident(ex, false)
	case *ast.AttrGetExpr:
		a.expr(ex.Object)
		a.expr(ex.Key)
	case *ast.TableExpr:
		for _, f := range ex.Fields {
			if f.Key != nil {
				a.expr(f.Key)
			}
			a.expr(f.Value)
		}
	case *ast.FuncCallExpr:
		if ex.Func != nil {
			a.expr(ex.Func)
		}
		if ex.Receiver != nil {
			a.expr(ex.Receiver)
		}
		a.exprs(ex.Args)
	case *ast.LogicalOpExpr:
		a.expr(ex.Lhs)
		a.expr(ex.Rhs)
	case *ast.RelationalOpExpr:
		a.expr(ex.Lhs)
		a.expr(ex.Rhs)
	case *ast.StringConcatOpExpr:
		a.expr(ex.Lhs)
		a.expr(ex.Rhs)
	case *ast.ArithmeticOpExpr:
		a.expr(ex.Lhs)
		a.expr(ex.Rhs)
	case *ast.UnaryMinusOpExpr:
		a.expr(ex.Expr)
	case *ast.UnaryNotOpExpr:
		a.expr(ex.Expr)
	case *ast.UnaryLenOpExpr:
		a.expr(ex.Expr)
	case *ast.FunctionExpr:
		a.function(ex, false)
	}
}

// function declares, in gopher-lua's order, self (methods), the
// parameters and, for a vararg function, the implicit arg table that
// gopher-lua's CompatVarArg gives every vararg function but the main chunk.
func (a *analysis) function(f *ast.FunctionExpr, method bool) {
	outer := a.fn
	a.nextFn++
	a.fn = a.nextFn
	mark := len(a.vars)
	var vs []*variable
	if method {
		vs = append(vs, a.declare("self"))
	}
	for _, n := range f.ParList.Names {
		vs = append(vs, a.declare(n))
	}
	if f.ParList.HasVargs && lua.CompatVarArg {
		vs = append(vs, a.declare("arg"))
	}
	a.params[f] = vs
	a.stmts(f.Stmts)
	a.vars = a.vars[:mark]
	a.fn = outer
}
