#!/usr/bin/env python3
"""The include rule of src/, read from the #include lines (see docs/architecture.md).

- Layers (util, config, core, log, telemetry, tls, outbound, net) are open to everything above them
  and may include only layers below them.
- Every other folder is a module: other folders may include only its public header
  `<module>/<module>.h`; a module includes layers and other modules' public headers, never a
  layer-breaking or internal header. The modules' dependencies form no cycle.

Prints every breach with file and line and exits 1; exits 0 when the tree keeps the rule.
"""
import pathlib
import re
import sys

# Rank of each layer: a layer may include layers of a lower rank only.
LAYERS = {"util": 0, "config": 1, "log": 1, "telemetry": 1, "core": 2, "tls": 2, "outbound": 3,
          "net": 3}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/([^"]+)"')


def main(src: pathlib.Path) -> int:
    problems = []
    module_deps = {}
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cpp") or not path.is_file():
            continue
        folder = path.relative_to(src).parts[0]
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match or match.group(1) == folder:
                continue
            target, header = match.groups()
            where = f"{src.name}/{path.relative_to(src)}:{number}"
            if not (src / target).is_dir():
                continue  # not a folder of src/ (a generated file, say)
            if folder in LAYERS:
                if target not in LAYERS:
                    problems.append(f"{where}: layer {folder} includes module header {target}/{header}")
                elif LAYERS[target] >= LAYERS[folder]:
                    problems.append(f"{where}: layer {folder} includes {target}/{header}, "
                                    f"a layer at or above its own")
            elif target not in LAYERS:
                if header != f"{target}.h":
                    problems.append(f"{where}: includes {target}/{header}; outside {target}/ "
                                    f"only its public header {target}/{target}.h may be included")
                module_deps.setdefault(folder, set()).add(target)
    problems += cycles(module_deps)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} breach(es) of the include rule; see docs/architecture.md")
        return 1
    modules = [p.name for p in src.iterdir() if p.is_dir() and p.name not in LAYERS]
    print(f"include rule kept: {len(LAYERS)} layers, {len(modules)} modules, "
          f"{sum(len(d) for d in module_deps.values())} module dependencies, no cycle")
    return 0


def cycles(deps):
    found, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(deps.get(node, ())):
            if state.get(nxt) == "open":
                found.append("module cycle: " + " -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(deps):
        if node not in state:
            visit(node, [node])
    return found


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src")))
