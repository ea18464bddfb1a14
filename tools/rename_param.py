"""Rename parameters of named functions, mechanically: the parameter and every use of that
name in the function's body. Refuses (writing nothing) when a nested scope, an except/import/
match/global clause rebinds the old name, or when the new name is already used in the body or
by another parameter. Keyword call sites elsewhere are not touched: grep for `old=` calls.

Usage: python tools/rename_param.py FILE FUNC:OLD:NEW [FUNC:OLD:NEW ...]  (FUNC may be FUNC@LINE)

Copied from /tmp/names/rename_param.py (issue 12) and hardened: the original also renamed
names in the function's decorators, defaults and annotations (which belong to the outer
scope), ignored `except ... as OLD`, imports, `match` captures and `global`/`nonlocal`, and
did not notice a new name clashing with another parameter.
"""

from __future__ import annotations

import ast
import sys

Function = ast.FunctionDef | ast.AsyncFunctionDef


def _parameters(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return args.posonlyargs + args.args + args.kwonlyargs + extra


def _rebinding(node: ast.AST) -> list[str]:
    """Names a node binds other than through an ast.Name (which is renamed consistently)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return [node.name, *(a.arg for a in _parameters(node.args))]
    if isinstance(node, ast.Lambda):
        return [a.arg for a in _parameters(node.args)]
    if isinstance(node, ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [node.name]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    if isinstance(node, ast.Global | ast.Nonlocal):
        return list(node.names)
    if isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
        return [node.name]
    if isinstance(node, ast.MatchMapping) and node.rest:
        return [node.rest]
    if isinstance(node, ast.comprehension):
        return [n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)]
    return []


def rename(path: str, specs: list[str]) -> None:
    with open(path) as source:
        src = source.read()
    tree = ast.parse(src)
    lines = src.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def pos(lineno: int, col: int) -> int:
        # col_offset counts UTF-8 bytes
        return offsets[lineno - 1] + len(lines[lineno - 1].encode()[:col].decode())

    edits: list[tuple[int, int, str]] = []
    for spec in specs:
        func, old, new = spec.split(":")
        at_line: int | None = None
        if "@" in func:
            func, at = func.split("@")
            at_line = int(at)
        found = [
            n
            for n in ast.walk(tree)
            if isinstance(n, Function)
            and n.name == func
            and (at_line is None or n.lineno == at_line)
        ]
        if len(found) != 1:
            raise SystemExit(f"{path} {spec}: {len(found)} functions match")
        fn = found[0]
        params = _parameters(fn.args)
        arg = [a for a in params if a.arg == old]
        if len(arg) != 1:
            raise SystemExit(f"{path} {spec}: no parameter {old}")
        if new in [a.arg for a in params]:
            raise SystemExit(f"{path} {spec}: {new} is already a parameter")
        a = arg[0]
        start = pos(a.lineno, a.col_offset)
        edits.append((start, start + len(old), new))
        for statement in fn.body:
            for node in ast.walk(statement):
                bound = _rebinding(node)
                if old in bound or new in bound:
                    where = getattr(node, "lineno", "?")
                    raise SystemExit(f"{path} {spec}: {old} or {new} rebound at {where}")
                if isinstance(node, ast.Name) and node.id == new:
                    raise SystemExit(f"{path} {spec}: {new} already used at {node.lineno}")
                if isinstance(node, ast.Name) and node.id == old:
                    assert node.end_lineno is not None and node.end_col_offset is not None
                    first = pos(node.lineno, node.col_offset)
                    last = pos(node.end_lineno, node.end_col_offset)
                    if src[first:last] != old:
                        raise SystemExit(f"{path} {spec}: bad position at {node.lineno}")
                    edits.append((first, last, new))
    for start, end, text in sorted(edits, reverse=True):
        src = src[:start] + text + src[end:]
    ast.parse(src)
    with open(path, "w") as target:
        target.write(src)


if __name__ == "__main__":
    rename(sys.argv[1], sys.argv[2:])
