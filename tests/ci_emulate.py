#!/usr/bin/python3
"""Run the shell steps of a GitHub Actions composite action or of a
CircleCI config for real, in order, where neither service can run.

  ci_emulate.py github ACTION.yml [--input K=V ...] [--run-number N]
      runs in the current directory (the checkout), as the action's steps
      would: `if:` conditions (inputs, steps.ID.outputs, success(),
      failure(), always(), ==, !=, &&, ||, !), `${{ inputs.X }}` and
      `${{ steps.ID.outputs.X }}` in env and run, GITHUB_OUTPUT,
      GITHUB_STEP_SUMMARY, GITHUB_ACTION_PATH; `uses:` steps are reported,
      not run.
  ci_emulate.py circleci CONFIG.yml --repo DIR [--param K=V ...] [--branch B]
      runs the first workflow's jobs in order of `requires`, each in a
      fresh clone of DIR (checkout), with a workspace shared through
      attach_workspace/persist_to_workspace, `parallelism` as one run per
      container (CIRCLE_NODE_INDEX, CIRCLE_NODE_TOTAL), pipeline
      parameters substituted (`\\<<` is a literal `<<`), reusable commands
      and executors' environment expanded, BASH_ENV, `when:` on steps,
      branch filters, and `circleci-agent step halt`.

Every run step goes through `bash --noprofile --norc -eo pipefail`.
Output: each step's own, "[step] JOB NAME: success|failure|skipped|halted"
and "[result] success|failure" last (exit 0 or 1); 2 for a config this
does not emulate.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml


class NotEmulated(Exception):
    pass


def log(s):
    sys.stdout.write(s + "\n")
    sys.stdout.flush()


def bash(script, env, cwd):
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
        f.write(script)
    try:
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", f.name],
                           env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    finally:
        os.unlink(f.name)
    sys.stdout.write(p.stdout.decode(errors="replace"))
    sys.stdout.flush()
    return p.returncode


def read_outputs(path):
    out = {}
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines):
        l = lines[i]
        m = re.match(r"^([A-Za-z0-9_-]+)<<(.+)$", l)
        if m:
            val = []
            i += 1
            while i < len(lines) and lines[i] != m.group(2):
                val.append(lines[i])
                i += 1
            out[m.group(1)] = "\n".join(val)
        elif "=" in l:
            k, v = l.split("=", 1)
            out[k] = v
        i += 1
    return out


# ---- GitHub Actions ----

def gh_value(expr, ctx):
    expr = expr.strip()
    m = re.fullmatch(r"inputs\.([A-Za-z0-9_-]+)", expr)
    if m:
        return ctx["inputs"].get(m.group(1), "")
    m = re.fullmatch(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", expr)
    if m:
        return ctx["steps"].get(m.group(1), {}).get(m.group(2), "")
    m = re.fullmatch(r"github\.([a-z_]+)", expr)
    if m:
        return ctx["github"].get(m.group(1), "")
    raise NotEmulated("expression: " + expr)


def gh_subst(s, ctx):
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(gh_value(m.group(1), ctx)), s)


def gh_cond(expr, ctx):
    if expr is None:
        return not ctx["failed"]
    expr = str(expr).strip()
    if expr.startswith("${{") and expr.endswith("}}"):
        expr = expr[3:-2]
    toks = re.findall(r"'(?:[^']|'')*'|&&|\|\||==|!=|!|\(|\)|[A-Za-z_][A-Za-z0-9_.-]*\(\)|[A-Za-z_][A-Za-z0-9_.-]*|\S", expr)
    py = []
    status = False
    for t in toks:
        if t == "&&":
            py.append(" and ")
        elif t == "||":
            py.append(" or ")
        elif t == "!":
            py.append(" not ")
        elif t in ("==", "!=", "(", ")"):
            py.append(t)
        elif t.startswith("'"):
            py.append(repr(t[1:-1].replace("''", "'")))
        elif t in ("true", "false"):
            py.append(repr(t))
        elif t == "always()":
            py.append("True")
            status = True
        elif t == "success()":
            py.append(repr(not ctx["failed"]))
            status = True
        elif t == "failure()":
            py.append(repr(ctx["failed"]))
            status = True
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", t):
            py.append(repr(str(gh_value(t, ctx))))
        else:
            raise NotEmulated("condition: " + expr)
    v = bool(eval("".join(py), {"__builtins__": {}}, {}))
    # without a status function, success() is implied
    return v if status else (v and not ctx["failed"])


def github(path, inputs, run_number):
    action = yaml.safe_load(open(path))
    runs = action.get("runs", {})
    if runs.get("using") != "composite":
        raise NotEmulated("runs.using: %s" % runs.get("using"))
    vals = {k: str(v.get("default", "")) for k, v in (action.get("inputs") or {}).items()}
    for k, v in inputs.items():
        if k not in vals:
            raise NotEmulated("no such input: " + k)
        vals[k] = v
    tmp = tempfile.mkdtemp(prefix="gh-emulate.")
    summary = os.path.join(tmp, "summary.md")
    open(summary, "w").close()
    ctx = {"inputs": vals, "steps": {}, "failed": False,
           "github": {"run_number": run_number, "workspace": os.getcwd()}}
    for i, step in enumerate(runs.get("steps", [])):
        name = step.get("name") or step.get("id") or "step %d" % (i + 1)
        if not gh_cond(step.get("if"), ctx):
            log("[step] %s: skipped" % name)
            continue
        if "uses" in step:
            log("[step] %s: uses %s (not run)" % (name, step["uses"]))
            continue
        if step.get("shell") != "bash":
            raise NotEmulated("step %s: shell %s" % (name, step.get("shell")))
        out = os.path.join(tmp, "output-%d" % i)
        open(out, "w").close()
        env = dict(os.environ)
        env.update({"GITHUB_ACTION_PATH": os.path.dirname(os.path.abspath(path)),
                    "GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": summary,
                    "GITHUB_RUN_NUMBER": run_number, "GITHUB_WORKSPACE": os.getcwd(),
                    "GITHUB_ACTIONS": "true", "CI": "true"})
        for k, v in (step.get("env") or {}).items():
            env[k] = gh_subst(str(v), ctx)
        log("[run] %s" % name)
        rc = bash(gh_subst(step["run"], ctx), env, os.getcwd())
        if "id" in step:
            ctx["steps"][step["id"]] = read_outputs(out)
        if rc != 0:
            ctx["failed"] = True
            log("[step] %s: failure (exit %d)" % (name, rc))
        else:
            log("[step] %s: success" % name)
    for k, v in (action.get("outputs") or {}).items():
        log("[output] %s=%s" % (k, gh_subst(str(v.get("value", "")), ctx)))
    log("[summary] %d bytes" % os.path.getsize(summary))
    shutil.rmtree(tmp)
    return not ctx["failed"]


# ---- CircleCI ----

def cc_subst(v, params):
    if isinstance(v, dict):
        return {k: cc_subst(x, params) for k, x in v.items()}
    if isinstance(v, list):
        return [cc_subst(x, params) for x in v]
    if not isinstance(v, str):
        return v

    def one(m):
        k = m.group(1)
        if k not in params:
            raise NotEmulated("no such pipeline parameter: " + k)
        p = params[k]
        return ("true" if p else "false") if isinstance(p, bool) else str(p)
    s = re.sub(r"(?<!\\)<<\s*pipeline\.parameters\.([A-Za-z0-9_-]+)\s*>>", one, v)
    if re.search(r"(?<!\\)<<\s*parameters\.", s):
        raise NotEmulated("job or command parameters: " + s)
    s = s.replace("\\<<", "<<")
    if re.fullmatch(r"-?[0-9]+", s) and s != v:
        return int(s)
    return s


def copy_into(src, dst):
    if os.path.isdir(src):
        os.makedirs(dst, exist_ok=True)
        for n in os.listdir(src):
            copy_into(os.path.join(src, n), os.path.join(dst, n))
    elif os.path.exists(src):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)


def cc_steps(steps, commands):
    out = []
    for s in steps:
        key = s if isinstance(s, str) else next(iter(s))
        if key in commands:
            if not isinstance(s, str) and s[key]:
                raise NotEmulated("command parameters: " + key)
            out += cc_steps(commands[key].get("steps", []), commands)
        else:
            out.append(s)
    return out


def circleci(path, repo, params_in, branch):
    cfg = yaml.safe_load(open(path))
    params = {k: v.get("default") for k, v in (cfg.get("parameters") or {}).items()}
    for k, v in params_in.items():
        if k not in params:
            raise NotEmulated("no such pipeline parameter: " + k)
        t = cfg["parameters"][k].get("type")
        params[k] = (v == "true") if t == "boolean" else int(v) if t == "integer" else v
    cfg = cc_subst(cfg, params)
    commands = cfg.get("commands") or {}
    executors = cfg.get("executors") or {}
    wf_name, wf = next(iter(cfg["workflows"].items()))
    tmp = tempfile.mkdtemp(prefix="circleci-emulate.")
    ws = os.path.join(tmp, "workspace")
    os.makedirs(ws)
    shim = os.path.join(tmp, "shim")
    os.makedirs(shim)
    with open(os.path.join(shim, "circleci-agent"), "w") as f:
        f.write('#!/bin/sh\n[ "$1 $2" = "step halt" ] && : >"$MLCI_EMU_HALT" && exit 0\n'
                'echo "circleci-agent: not emulated: $*" >&2; exit 2\n')
    os.chmod(os.path.join(shim, "circleci-agent"), 0o755)
    done = {}
    build = 0
    ok_all = True
    for entry in wf["jobs"]:
        jname = entry if isinstance(entry, str) else next(iter(entry))
        opts = {} if isinstance(entry, str) else (entry[jname] or {})
        only = ((opts.get("filters") or {}).get("branches") or {}).get("only")
        if only is not None and branch not in ([only] if isinstance(only, str) else only):
            log("[job] %s: skipped (branch filter)" % jname)
            done[jname] = "skipped"
            continue
        if any(done.get(r) != "success" for r in opts.get("requires", [])):
            log("[job] %s: not run (a required job did not succeed)" % jname)
            done[jname] = "blocked"
            continue
        job = cfg["jobs"][jname]
        jenv = {}
        if "executor" in job:
            ex = job["executor"]
            ex = executors[ex if isinstance(ex, str) else ex["name"]]
            jenv.update({k: str(v) for k, v in (ex.get("environment") or {}).items()})
        jenv.update({k: str(v) for k, v in (job.get("environment") or {}).items()})
        n = int(job.get("parallelism", 1))
        result = "success"
        for node in range(n):
            build += 1
            d = os.path.join(tmp, "%s-%d" % (jname, node))
            bash_env = os.path.join(tmp, "bash_env-%s-%d" % (jname, node))
            open(bash_env, "w").close()
            halt = os.path.join(tmp, "halt-%s-%d" % (jname, node))
            failed = False
            for s in cc_steps(job.get("steps", []), commands):
                key = s if isinstance(s, str) else next(iter(s))
                arg = {} if isinstance(s, str) else s[key]
                if key == "checkout":
                    subprocess.run(["git", "clone", "-q", "-b", branch, repo, d], check=True)
                    continue
                if key == "attach_workspace":
                    copy_into(ws, os.path.join(d, arg.get("at", ".")))
                    continue
                if key == "persist_to_workspace":
                    root = os.path.join(d, arg.get("root", "."))
                    for p in arg.get("paths", []):
                        if not os.path.exists(os.path.join(root, p)):
                            log("[step] %s: persist_to_workspace: %s not found" % (jname, p))
                            failed = True
                        copy_into(os.path.join(root, p), os.path.join(ws, p))
                    continue
                if key in ("store_test_results", "store_artifacts"):
                    p = os.path.join(d, arg["path"])
                    log("[%s] %s: %s" % (key, arg["path"], "found" if os.path.exists(p) else "missing"))
                    continue
                if key != "run":
                    raise NotEmulated("step: " + key)
                if isinstance(arg, str):
                    arg = {"command": arg}
                when = arg.get("when", "on_success")
                name = arg.get("name", arg["command"].split("\n")[0])
                if (when == "on_success" and failed) or (when == "on_fail" and not failed):
                    log("[step] %s %s: skipped" % (jname, name))
                    continue
                env = dict(os.environ)
                env.update(jenv)
                env.update({k: str(v) for k, v in (arg.get("environment") or {}).items()})
                env.update({"CIRCLECI": "true", "CI": "true", "CIRCLE_BRANCH": branch,
                            "CIRCLE_NODE_INDEX": str(node), "CIRCLE_NODE_TOTAL": str(n),
                            "CIRCLE_BUILD_NUM": str(build), "CIRCLE_JOB": jname,
                            "BASH_ENV": bash_env, "MLCI_EMU_HALT": halt,
                            "PATH": shim + os.pathsep + os.environ.get("PATH", "")})
                label = "%s%s %s" % (jname, " [%d/%d]" % (node + 1, n) if n > 1 else "", name)
                log("[run] " + label)
                rc = bash(arg["command"], env, d)
                if rc != 0:
                    failed = True
                    log("[step] %s: failure (exit %d)" % (label, rc))
                elif os.path.exists(halt):
                    log("[step] %s: halted" % label)
                    break
                else:
                    log("[step] %s: success" % label)
            if failed:
                result = "failure"
        log("[job] %s: %s" % (jname, result))
        done[jname] = result
        ok_all = ok_all and result == "success"
    shutil.rmtree(tmp)
    return ok_all


def kv(items):
    out = {}
    for it in items:
        k, v = it.split("=", 1)
        out[k] = v
    return out


def main(argv):
    if len(argv) < 3 or argv[1] not in ("github", "circleci"):
        sys.stderr.write(__doc__)
        return 2
    args = argv[3:]
    opts = {"--input": [], "--param": [], "--run-number": ["1"], "--branch": ["main"], "--repo": ["."]}
    while args:
        if args[0] not in opts or len(args) < 2:
            sys.stderr.write("ci_emulate: bad argument %s\n" % args[0])
            return 2
        opts[args[0]].append(args[1])
        args = args[2:]
    try:
        if argv[1] == "github":
            good = github(argv[2], kv(opts["--input"]), opts["--run-number"][-1])
        else:
            good = circleci(argv[2], os.path.abspath(opts["--repo"][-1]), kv(opts["--param"]),
                            opts["--branch"][-1])
    except NotEmulated as e:
        sys.stderr.write("ci_emulate: not emulated: %s\n" % e)
        return 2
    log("[result] %s" % ("success" if good else "failure"))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
