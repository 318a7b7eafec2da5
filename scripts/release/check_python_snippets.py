"""Checks README Python blocks against the jsii-generated Python module (jsii-pacmak --code-only output).

    python3 check_python_snippets.py <generated package dir>/__init__.py <snippet.py>...

Each snippet must compile (py_compile), and every name it takes from the generated module must exist there:
imported names, classes and their class attributes (``CacheSize.GB_0_5``), static and class methods
(``ApiAuthorization.jwt``), constructors, and methods and properties called on a variable assigned from a
constructor of the module (``api = SecuredRestApi(...)``; ``api.add_route(...)``), each call's keyword arguments
and positional count included. A keyword that jsii renamed because it collides with a positional parameter
(a prop called ``scope`` turns the construct's ``scope`` into ``scope_``) is refused by name: it is the trap this
check exists for. Prints one line per problem as ``<snippet>:<line>: <problem>`` and exits 1 when there is one.
"""
import ast
import py_compile
import sys

MODULE = "cdk_apigateway_patterns"


class Signature:
    def __init__(self, fn, is_instance):
        args = fn.args
        positional = [a.arg for a in args.posonlyargs + args.args]
        if positional and positional[0] in ("self", "cls"):
            positional = positional[1:]
        self.positional = positional
        self.keywords = set(positional) | {a.arg for a in args.kwonlyargs}
        self.var_keywords = args.kwarg is not None
        self.var_positional = args.vararg is not None
        self.returns = fn.returns.value if isinstance(fn.returns, ast.Constant) else None
        self.is_instance = is_instance


class ClassInfo:
    def __init__(self, node):
        self.name = node.name
        # Bases by their source text: a base of another module (``_constructs_77d1e7e8.Construct``) keeps its dots.
        self.bases = [ast.unparse(b) for b in node.bases]
        self.methods = {}
        self.attributes = set()
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                decorators = {ast.unparse(d) for d in item.decorator_list}
                is_property = any(d.endswith("property") for d in decorators)
                if is_property:
                    self.attributes.add(item.name)
                else:
                    static = any(d in ("builtins.classmethod", "builtins.staticmethod", "classmethod", "staticmethod") for d in decorators)
                    self.methods[item.name] = Signature(item, not static)
            elif isinstance(item, (ast.Assign, ast.AnnAssign)):
                targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                self.attributes.update(t.id for t in targets if isinstance(t, ast.Name))


def load_module(init_py):
    tree = ast.parse(open(init_py, encoding="utf-8").read())
    classes = {n.name: ClassInfo(n) for n in tree.body if isinstance(n, ast.ClassDef)}
    exported = set(classes)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            exported |= {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
    return classes, exported


def lookup(classes, class_name, member):
    """The member (Signature, or True for an attribute) of a class of the module or its bases in the module."""
    seen = set()
    queue = [class_name]
    while queue:
        name = queue.pop(0)
        if name in seen or name not in classes:
            continue
        seen.add(name)
        info = classes[name]
        if member in info.methods:
            return info.methods[member]
        if member in info.attributes:
            return True
        queue.extend(info.bases)
    return None


# Members of external base classes that the module's classes inherit (constructs.Construct in its Python binding).
EXTERNAL_MEMBERS = {"Construct": {"node", "to_string", "with_", "is_construct"}}


def external_members(classes, class_name, seen=None):
    """The members the class inherits from bases outside the module, or None when some such base is not in
    EXTERNAL_MEMBERS (its members cannot be checked here, so a member not found is not reported)."""
    seen = seen if seen is not None else set()
    if class_name in seen:
        return set()
    seen.add(class_name)
    info = classes.get(class_name)
    if info is None:
        return None
    members = set()
    for base in info.bases:
        if base == "object":
            continue
        inherited = external_members(classes, base, seen) if base in classes else EXTERNAL_MEMBERS.get(base.split(".")[-1])
        if inherited is None:
            return None
        members |= inherited
    return members


def is_unknown_member(classes, class_name, member):
    """True when neither the class (with its module bases) nor its known external bases have the member."""
    if lookup(classes, class_name, member) is not None:
        return False
    inherited = external_members(classes, class_name)
    return inherited is not None and member not in inherited


def check_call(problems, where, call, signature, label):
    if signature.var_positional is False and len(call.args) > len(signature.positional) and not any(isinstance(a, ast.Starred) for a in call.args):
        problems.append(f"{where}: {label} takes {len(signature.positional)} positional arguments, the snippet gives {len(call.args)}")
    renamed = {p[:-1] for p in signature.positional if p.endswith("_")}
    given_positionally = set(signature.positional[: len(call.args)])
    for kw in call.keywords:
        if kw.arg is None:
            continue
        if kw.arg in given_positionally:
            problems.append(f"{where}: {label}: '{kw.arg}' is given positionally and as a keyword")
        elif kw.arg in renamed:
            problems.append(f"{where}: {label}: keyword '{kw.arg}' is a prop that collides with the positional parameter jsii renamed to '{kw.arg}_' (rename the prop)")
        elif kw.arg not in signature.keywords and not signature.var_keywords:
            problems.append(f"{where}: {label} has no parameter '{kw.arg}' (known: {', '.join(sorted(signature.keywords))})")


class SnippetChecker(ast.NodeVisitor):
    def __init__(self, name, classes, exported):
        self.name = name
        self.classes = classes
        self.exported = exported
        self.module_aliases = set()
        self.class_names = {}  # local name -> class name in the module
        self.variables = {}  # variable (or self.x) -> class name in the module
        self.problems = []

    def where(self, node):
        return f"{self.name}:{node.lineno}"

    def visit_ImportFrom(self, node):
        if node.module == MODULE:
            for alias in node.names:
                if alias.name not in self.exported:
                    self.problems.append(f"{self.where(node)}: {MODULE} has no name '{alias.name}'")
                else:
                    self.class_names[alias.asname or alias.name] = alias.name

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name == MODULE:
                self.module_aliases.add(alias.asname or alias.name)

    def class_of(self, expr):
        """The module class an expression names (`SecuredRestApi`, `patterns.SecuredRestApi`), if any."""
        if isinstance(expr, ast.Name) and expr.id in self.class_names:
            return self.class_names[expr.id]
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id in self.module_aliases:
            if expr.attr not in self.exported:
                self.problems.append(f"{self.where(expr)}: {MODULE} has no name '{expr.attr}'")
                return None
            return expr.attr
        return None

    def type_of(self, expr):
        """The module class of a value: a constructor call, a call with a known return type, or a known variable."""
        if isinstance(expr, ast.Call):
            cls = self.class_of(expr.func)
            if cls:
                return cls
            if isinstance(expr.func, ast.Attribute):
                owner = self.class_of(expr.func.value) or self.type_of(expr.func.value)
                member = lookup(self.classes, owner, expr.func.attr) if owner else None
                if isinstance(member, Signature) and member.returns in self.classes:
                    return member.returns
            return None
        key = ast.unparse(expr)
        return self.variables.get(key)

    def visit_Assign(self, node):
        self.generic_visit(node)
        cls = self.type_of(node.value)
        for target in node.targets:
            if cls:
                self.variables[ast.unparse(target)] = cls
            else:
                self.variables.pop(ast.unparse(target), None)

    def visit_Call(self, node):
        cls = self.class_of(node.func)
        if cls:
            init = lookup(self.classes, cls, "__init__")
            if isinstance(init, Signature):
                check_call(self.problems, self.where(node), node, init, f"{cls}()")
        elif isinstance(node.func, ast.Attribute):
            owner = self.class_of(node.func.value) or self.type_of(node.func.value)
            if owner:
                member = lookup(self.classes, owner, node.func.attr)
                if member is None and is_unknown_member(self.classes, owner, node.func.attr):
                    self.problems.append(f"{self.where(node)}: {owner} has no member '{node.func.attr}'")
                elif isinstance(member, Signature):
                    check_call(self.problems, self.where(node), node, member, f"{owner}.{node.func.attr}()")
                self.visit(node.func.value)
                for arg in node.args + [k.value for k in node.keywords]:
                    self.visit(arg)
                return
        self.generic_visit(node)

    def visit_Attribute(self, node):
        owner = self.class_of(node.value) or self.type_of(node.value)
        if owner and is_unknown_member(self.classes, owner, node.attr):
            self.problems.append(f"{self.where(node)}: {owner} has no member '{node.attr}'")
        self.generic_visit(node)


def check(init_py, snippet_files):
    classes, exported = load_module(init_py)
    problems = []
    for path in snippet_files:
        try:
            py_compile.compile(path, doraise=True)
        except py_compile.PyCompileError as e:
            problems.append(f"{path}: does not compile: {e.msg.strip()}")
            continue
        checker = SnippetChecker(path, classes, exported)
        checker.visit(ast.parse(open(path, encoding="utf-8").read()))
        if not checker.class_names and not checker.module_aliases:
            problems.append(f"{path}: uses nothing from {MODULE}")
        problems.extend(checker.problems)
    return problems


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: check_python_snippets.py <generated __init__.py> <snippet.py>...")
    found = check(sys.argv[1], sys.argv[2:])
    for problem in found:
        print(problem)
    print(f"python snippets: {len(sys.argv) - 2} checked, {len(found)} problem(s)")
    sys.exit(1 if found else 0)
