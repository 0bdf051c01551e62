#!/usr/bin/python3
"""List every mlci-STEP --flag used by the CI templates, or check them
against each step's --help.

  templates_flags.py TEMPLATES_DIR            print "FILE STEP --flag" lines
  templates_flags.py TEMPLATES_DIR BIN_DIR    check: exit 1 and name every
                                              flag the step does not have

YAML templates (GitLab include and component, GitHub action, CircleCI) are
parsed and their shell (script, before_script, after_script, run,
command) read as shell: lines joined at a trailing backslash, commands
split at ; && || | and newlines. Jenkins files (Jenkinsfile*, vars/*.groovy)
are read line by line: a flag belongs to the last mlci step named on its
line, or, on a line that only adds options in a string (cmd += " --x",
"${common} --shard ..."), to the last step named before it in the file.
"""
import os
import re
import subprocess
import sys

import yaml

STEP = re.compile(r"\bmlci-(validate-data|train|evaluate|gate|package|deploy)\b")
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


def shell_strings(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("script", "before_script", "after_script", "run", "command"):
                if isinstance(v, str):
                    yield v
                elif isinstance(v, list):
                    for x in v:
                        if isinstance(x, str):
                            yield x
                        else:
                            yield from shell_strings(x)
                else:
                    yield from shell_strings(v)
            else:
                yield from shell_strings(v)
    elif isinstance(node, list):
        for x in node:
            yield from shell_strings(x)


def from_shell(text):
    text = re.sub(r"\\\n", " ", text)
    for cmd in re.split(r"\n|;|&&|\|\||\|", text):
        m = STEP.search(cmd)
        if not m:
            continue
        # the step's own arguments: after its name, up to a later step
        rest = cmd[m.end():]
        n = STEP.search(rest)
        if n:
            rest = rest[:n.start()]
        for f in FLAG.findall(rest):
            yield "mlci-" + m.group(1), f


def from_groovy(text):
    last = None
    for line in text.split("\n"):
        steps = list(STEP.finditer(line))
        if steps:
            for i, m in enumerate(steps):
                end = steps[i + 1].start() if i + 1 < len(steps) else len(line)
                for f in FLAG.findall(line[m.end():end]):
                    yield "mlci-" + m.group(1), f
            last = "mlci-" + steps[-1].group(1)
        elif last and not line.lstrip().startswith("//") and re.search(r"[\"'][^\"']*--[a-z]", line):
            for f in FLAG.findall(line):
                yield last, f


def uses(top):
    out = []
    for d, _, files in os.walk(top):
        for n in sorted(files):
            p = os.path.join(d, n)
            rel = os.path.relpath(p, top)
            if n.endswith((".yml", ".yaml")):
                doc = list(yaml.safe_load_all(open(p)))
                for part in doc:
                    for s in shell_strings(part):
                        out += [(rel, st, f) for st, f in from_shell(s)]
            elif n.startswith("Jenkinsfile") or n.endswith(".groovy"):
                out += [(rel, st, f) for st, f in from_groovy(open(p).read())]
            elif n.endswith(".sh"):
                out += [(rel, st, f) for st, f in from_shell(open(p).read())]
    return sorted(set(out))


def help_flags(bindir, step):
    h = subprocess.run([os.path.join(bindir, step), "--help"], stdout=subprocess.PIPE).stdout.decode()
    return set(re.findall(r"^\s+(--[a-z][a-z0-9-]*)", h, re.M))


def main(argv):
    found = uses(argv[1])
    if len(argv) == 2:
        for u in found:
            print(*u)
        return 0
    known = {}
    bad = 0
    for rel, st, f in found:
        if st not in known:
            known[st] = help_flags(argv[2], st)
        if f not in known[st]:
            print("%s: %s has no %s" % (rel, st, f))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
