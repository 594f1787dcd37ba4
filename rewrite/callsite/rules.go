package callsite

import "sort"

// Kind says which syntax a rule matches; its entry in finders (find.go)
// recognises that syntax, as a Shape's builder in the rewriter makes the
// rule's edits.
type Kind int

const (
	// KindFunc matches calls of a package-level function.
	KindFunc Kind = iota
	// KindMethod matches calls (and, with ValueFunc, method values) of a
	// method with a pointer receiver.
	KindMethod
	// KindLiteral matches &T{…} (and T{…} when ValueFunc is set).
	KindLiteral
	// KindVar matches a package variable used as a value.
	KindVar
	// KindMain matches func main of package main.
	KindMain
)

// Rule maps one net/http object to the wrapper the rewritten code calls.
type Rule struct {
	Name string // stable name recorded in every Edit, e.g. "(*http.Client).Do"
	Doc  string
	Kind Kind
	// Object is the matched object: types.Func.FullName for KindFunc and
	// KindMethod ("net/http.Get", "(*net/http.Client).Do"), the type for
	// KindLiteral ("net/http.Client"), the variable for KindVar
	// ("net/http.DefaultClient").
	Object string
	Path   string // wrapper package import path
	Func   string // wrapper for calls, &T{…} literals and variable uses
	// ValueFunc is the wrapper for an uncalled method value (KindMethod),
	// or, for KindLiteral, marks that value literals T{…} are wrapped too
	// (through Func, as *Func(&T{…}, site)).
	ValueFunc string
	// KeepAsserted leaves a KindVar variable alone when it is the operand of
	// a type assertion, whose meaning is about the variable itself.
	KeepAsserted bool
	// Shape is the form of the rule's edits: how the rewriter changes a
	// matched call, literal, use or function. ValueShape is the form for
	// the value use that ValueFunc wraps (a method value, a T{…} literal).
	Shape, ValueShape Shape
}

func pkgFunc(name string) *Rule {
	return &Rule{
		Name: "http." + name, Kind: KindFunc, Object: "net/http." + name,
		Path: RuntimePath, Func: name, Shape: ShapeCall,
		Doc: "http." + name + "(args) → gohttpdbgrt." + name + "(args, site)",
	}
}

func testFunc(name string) *Rule {
	return &Rule{
		Name: "httptest." + name, Kind: KindFunc, Object: "net/http/httptest." + name,
		Path: HTTPTestPath, Func: name, Shape: ShapeCall,
		Doc: "httptest." + name + "(h) → httptestrt." + name + "(h, site)",
	}
}

func method(typ, name, prefix string, value bool) *Rule {
	r := &Rule{
		Name: "(*http." + typ + ")." + name, Kind: KindMethod,
		Object: "(*net/http." + typ + ")." + name,
		Path:   RuntimePath, Func: prefix + name, Shape: ShapeMethodCall,
		Doc: "x." + name + "(args) with x a *http." + typ + " → gohttpdbgrt." + prefix + name + "(x, args, site)",
	}
	if value {
		r.ValueFunc, r.ValueShape = prefix+name+"Func", ShapeMethodValue
		r.Doc += "; method value x." + name + " → gohttpdbgrt." + r.ValueFunc + "(x, site)"
	}
	return r
}

func literal(typ string, value bool) *Rule {
	r := &Rule{
		Name: "&http." + typ + "{}", Kind: KindLiteral, Object: "net/http." + typ,
		Path: RuntimePath, Func: typ, Shape: ShapeWrap,
		Doc: "&http." + typ + "{…} → gohttpdbgrt." + typ + "(&http." + typ + "{…}, site)",
	}
	if value {
		// Only types without a mutex: copying the wrapped value out is
		// then the same as the original copy of a fresh literal.
		r.ValueFunc, r.ValueShape = typ, ShapeDerefWrap
		r.Doc += "; http." + typ + "{…} → *gohttpdbgrt." + typ + "(&http." + typ + "{…}, site)"
	}
	return r
}

func variable(name string, keepAsserted bool) *Rule {
	return &Rule{
		Name: "http." + name, Kind: KindVar, Object: "net/http." + name,
		Path: RuntimePath, Func: name + "Use", KeepAsserted: keepAsserted, Shape: ShapeWrap,
		Doc: "http." + name + " used as a value → gohttpdbgrt." + name + "Use(http." + name + ", site)",
	}
}

// Rules is the registry of call-site rules, sorted by Name.
var Rules = sortRules([]*Rule{
	pkgFunc("Get"), pkgFunc("Head"), pkgFunc("Post"), pkgFunc("PostForm"),
	pkgFunc("ListenAndServe"), pkgFunc("ListenAndServeTLS"), pkgFunc("Serve"), pkgFunc("ServeTLS"),
	pkgFunc("Handle"), pkgFunc("HandleFunc"),

	method("Client", "Do", "Client", true), method("Client", "Get", "Client", true),
	method("Client", "Head", "Client", true), method("Client", "Post", "Client", true),
	method("Client", "PostForm", "Client", true),
	method("Server", "ListenAndServe", "Server", false), method("Server", "ListenAndServeTLS", "Server", false),
	method("Server", "Serve", "Server", false), method("Server", "ServeTLS", "Server", false),
	method("ServeMux", "Handle", "Mux", false), method("ServeMux", "HandleFunc", "Mux", false),

	literal("Client", true), literal("Transport", false), literal("Server", false),

	variable("DefaultClient", false), variable("DefaultTransport", true), variable("DefaultServeMux", false),

	testFunc("NewServer"), testFunc("NewUnstartedServer"), testFunc("NewTLSServer"),

	// Exit paths: events at level 2 wait in a ring for a background writer,
	// which a returning main or os.Exit would cut off.
	{
		Name: "os.Exit", Kind: KindFunc, Object: "os.Exit", Path: RuntimePath, Func: "Exit", Shape: ShapeCall,
		Doc: "os.Exit(code) → gohttpdbgrt.Exit(code, site): the probes' events are flushed first",
	},
	{
		Name: "func main", Kind: KindMain, Object: "main.main", Path: RuntimePath, Func: "Flush", Shape: ShapeDeferFlush,
		Doc: "func main() { … } → func main() { defer gohttpdbgrt.Flush(); … }",
	},
	{
		// A TestMain that returns hands its code to the test binary's
		// generated main, which calls os.Exit itself.
		Name: "func TestMain", Kind: KindMain, Object: "testing.TestMain", Path: RuntimePath, Func: "Flush", Shape: ShapeDeferFlush,
		Doc: "func TestMain(m *testing.M) { … } → func TestMain(m *testing.M) { defer gohttpdbgrt.Flush(); … }",
	},
})

func sortRules(rs []*Rule) []*Rule {
	sort.Slice(rs, func(i, j int) bool { return rs[i].Name < rs[j].Name })
	return rs
}

// byObject indexes Rules by Kind and Object.
var byObject = func() map[Kind]map[string]*Rule {
	m := map[Kind]map[string]*Rule{}
	for _, r := range Rules {
		if m[r.Kind] == nil {
			m[r.Kind] = map[string]*Rule{}
		}
		m[r.Kind][r.Object] = r
	}
	return m
}()
