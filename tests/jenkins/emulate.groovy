// A stand-in for Jenkins that runs a declarative Jenkinsfile's steps for
// real, in order, in the current directory, to test the templates where no
// Jenkins server can run:
//
//   groovy emulate.groovy JENKINSFILE [VARS_DIR]
//
// It emulates the declarative DSL: pipeline, agent, environment, stages,
// stage, when (branch, expression, environment, not, allOf, anyOf), steps,
// script, post (always, success, failure, unstable, changed, cleanup),
// options (ignored), and the steps sh (-xe; returnStatus, returnStdout),
// echo, error, unstable, catchError, warnError, retry, sleep (not slept,
// logged), timeout, withEnv, withCredentials (no bindings), dir,
// fileExists, readFile, writeFile, parallel (branches run one after the
// other), junit (counts the failures: any makes
// the stage UNSTABLE, as the JUnit plugin does; no files is an error unless
// allowEmptyResults), archiveArtifacts, stash and unstash (logged).
// Global variables (shared library steps) are loaded from VARS_DIR/*.groovy
// and called through their call() methods; a leading @Library line is
// dropped. Like Jenkins, a stage after a failed one is skipped and the
// build result is the worst of its stages.
//
// Output, besides each step's own: "[sh] STAGE: SCRIPT" before each sh,
// "[result] stage NAME: RESULT" after each stage (SUCCESS, UNSTABLE,
// FAILURE, SKIPPED) and "[result] build: RESULT" last. Exit status: 0 for
// SUCCESS, 3 for UNSTABLE, 1 for FAILURE, 2 for a Jenkinsfile that does
// not parse or uses something not emulated.
// Environment: BRANCH_NAME, BUILD_NUMBER and GIT_COMMIT as Jenkins sets
// them (defaults main, 1, the checkout's HEAD).

import org.codehaus.groovy.control.CompilerConfiguration

class StepError extends RuntimeException {
    StepError(String m) { super(m) }
}

class NotEmulated extends RuntimeException {
    NotEmulated(String m) { super(m) }
}

class Emu {
    static final List<String> ORDER = ['SUCCESS', 'UNSTABLE', 'FAILURE']
    static Map<String, String> env = [:]
    static Map<String, Script> vars = [:]
    static File ws = new File('.').canonicalFile
    static String stage = null
    static String stageResult = 'SUCCESS'
    static String buildResult = 'SUCCESS'

    static String worst(String a, String b) { ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b }
    static void mark(String r) {
        if (stage != null) {
            stageResult = worst(stageResult, r)
        }
        buildResult = worst(buildResult, r)
    }
    static void log(String s) { System.out.println(s); System.out.flush() }
}

// sections collected from a closure run with this as its delegate; any
// other call falls through to the script (steps, library steps)
class Sections {
    static final Set<String> NAMES = ['agent', 'environment', 'stages', 'post', 'options', 'tools',
        'parameters', 'triggers', 'when', 'steps', 'always', 'success', 'failure', 'unstable',
        'changed', 'cleanup', 'unsuccessful', 'fixed', 'regression', 'aborted'] as Set
    Map<String, Closure> got = [:]
    def methodMissing(String n, args) {
        if (n in NAMES && args.length == 1 && args[0] instanceof Closure) {
            got[n] = (Closure) args[0]
            return null
        }
        if (n == 'agent') {
            return null
        }
        throw new MissingMethodException(n, Sections, args)
    }
    // agent any, agent none
    def propertyMissing(String n) {
        if (n in ['any', 'none']) {
            return n
        }
        throw new MissingPropertyException(n, Sections)
    }
    static Map<String, Closure> of(Closure c) {
        Sections s = new Sections()
        Closure k = (Closure) c.clone()
        k.resolveStrategy = Closure.DELEGATE_FIRST
        k.delegate = s
        k.call()
        return s.got
    }
}

class When {
    List<Boolean> conds = []
    void branch(String p) { conds << matches(Emu.env.BRANCH_NAME ?: '', p) }
    void expression(Closure c) { conds << (c.call() as boolean) }
    void environment(Map m) { conds << (Emu.env[m.name as String] == (m.value as String)) }
    void not(Closure c) { conds << !When.eval(c) }
    void allOf(Closure c) { conds << When.evalAll(c).every() }
    void anyOf(Closure c) { conds << When.evalAll(c).any() }
    static boolean matches(String v, String glob) {
        return v ==~ glob.replace('.', '\\.').replace('**', '\u0000').replace('*', '[^/]*').replace('\u0000', '.*')
    }
    static List<Boolean> evalAll(Closure c) {
        When w = new When()
        Closure k = (Closure) c.clone()
        k.resolveStrategy = Closure.DELEGATE_FIRST
        k.delegate = w
        k.call()
        return w.conds
    }
    static boolean eval(Closure c) { evalAll(c).every() }
}

abstract class Dsl extends Script {
    def methodMissing(String n, args) {
        if (Emu.vars.containsKey(n)) {
            return Emu.vars[n].invokeMethod('call', args)
        }
        throw new NotEmulated("not emulated: ${n}(${args.collect { it.getClass().simpleName }.join(', ')})")
    }

    def pipeline(Closure c) {
        Map<String, Closure> s = Sections.of(c)
        def unknown = s.keySet() - ['agent', 'environment', 'stages', 'post', 'options', 'tools', 'parameters', 'triggers']
        if (unknown) {
            throw new NotEmulated("pipeline: not emulated: ${unknown}")
        }
        if (s.environment) {
            environmentBlock(s.environment)
        }
        if (s.stages) {
            s.stages.call()
        }
        if (s.post) {
            Emu.stage = null
            runPost(s.post, Emu.buildResult)
        }
    }

    def environmentBlock(Closure c) {
        Map<String, Object> m = new LinkedHashMap<>()
        Closure k = (Closure) c.clone()
        k.resolveStrategy = Closure.DELEGATE_FIRST
        k.delegate = m
        k.call()
        m.each { key, v -> Emu.env[key] = v.toString() }
    }

    def stage(String name, Closure c) {
        Map<String, Closure> s = Sections.of(c)
        def unknown = s.keySet() - ['when', 'steps', 'post', 'environment', 'options', 'agent']
        if (unknown) {
            throw new NotEmulated("stage ${name}: not emulated: ${unknown}")
        }
        if (Emu.buildResult == 'FAILURE') {
            Emu.log("[result] stage ${name}: SKIPPED (an earlier stage failed)")
            return
        }
        if (s.when && !When.eval(s.when)) {
            Emu.log("[result] stage ${name}: SKIPPED (when)")
            return
        }
        Map<String, String> saved = new LinkedHashMap<>(Emu.env)
        Emu.stage = name
        Emu.stageResult = 'SUCCESS'
        try {
            if (s.environment) {
                environmentBlock(s.environment)
            }
            if (s.steps) {
                s.steps.call()
            }
        } catch (StepError e) {
            Emu.log("ERROR: ${e.message}")
            Emu.mark('FAILURE')
        }
        if (s.post) {
            runPost(s.post, Emu.stageResult)
        }
        Emu.log("[result] stage ${name}: ${Emu.stageResult}")
        Emu.stage = null
        Emu.env = saved
    }

    def runPost(Closure c, String result) {
        Map<String, Closure> p = Sections.of(c)
        def unknown = p.keySet() - ['always', 'success', 'failure', 'unstable', 'changed', 'cleanup', 'unsuccessful']
        if (unknown) {
            throw new NotEmulated("post: not emulated: ${unknown}")
        }
        List<String> order = ['always', 'changed', 'failure', 'success', 'unstable', 'unsuccessful', 'cleanup']
        for (String k : order) {
            if (!p[k]) {
                continue
            }
            boolean run = k in ['always', 'cleanup', 'changed'] ||
                (k == 'failure' && result == 'FAILURE') || (k == 'success' && result == 'SUCCESS') ||
                (k == 'unstable' && result == 'UNSTABLE') || (k == 'unsuccessful' && result != 'SUCCESS')
            if (run) {
                try {
                    p[k].call()
                } catch (StepError e) {
                    Emu.log("ERROR: post ${k}: ${e.message}")
                    Emu.mark('FAILURE')
                }
            }
        }
    }

    def script(Closure c) { c.call() }

    def getEnv() { Emu.env }

    def sh(String script) { sh(script: script) }
    def sh(Map a) {
        String script = a.script
        Emu.log("[sh] ${Emu.stage ?: 'post'}: ${script.trim()}")
        File f = File.createTempFile('emulate-sh', '.sh')
        f.text = script
        ProcessBuilder pb = new ProcessBuilder('/bin/sh', '-xe', f.path)
        pb.directory(Emu.ws)
        pb.redirectErrorStream(true)
        Map<String, String> e = pb.environment()
        e.putAll(Emu.env)
        e.WORKSPACE = Emu.ws.path
        Process p = pb.start()
        p.outputStream.close()
        StringBuilder out = new StringBuilder()
        p.inputStream.eachLine { String l ->
            out.append(l).append('\n')
            if (!a.returnStdout) {
                Emu.log(l)
            }
        }
        int rc = p.waitFor()
        f.delete()
        if (a.returnStatus) {
            return rc
        }
        if (rc != 0) {
            throw new StepError("script returned exit code ${rc}")
        }
        return a.returnStdout ? out.toString() : null
    }

    def echo(String s) { Emu.log(s) }
    def error(String s) { throw new StepError(s) }
    def unstable(String s) {
        Emu.log("WARNING: ${s}")
        Emu.mark('UNSTABLE')
    }
    def unstable(Map m) { unstable(m.message as String) }
    def catchError(Map m = [:], Closure c) {
        try {
            c.call()
        } catch (StepError e) {
            Emu.log("ERROR: ${e.message} (caught)")
            String build = m.buildResult ?: 'FAILURE'
            String st = m.stageResult ?: build
            if (Emu.stage != null) {
                Emu.stageResult = Emu.worst(Emu.stageResult, st)
            }
            Emu.buildResult = Emu.worst(Emu.buildResult, build)
        }
    }
    def warnError(String msg, Closure c) { catchError([buildResult: 'UNSTABLE', stageResult: 'UNSTABLE', message: msg], c) }
    def retry(int n, Closure c) {
        for (int i = 1; ; i++) {
            try {
                return c.call()
            } catch (StepError e) {
                if (i >= n) {
                    throw e
                }
                Emu.log("retry: ${e.message}; attempt ${i + 1} of ${n}")
            }
        }
    }
    def sleep(Map m) { Emu.log("[sleep] ${m.time} ${m.unit ?: 'SECONDS'}") }
    def sleep(int s) { sleep(time: s) }
    def timeout(Map m, Closure c) { c.call() }
    def withEnv(List<String> l, Closure c) {
        Map<String, String> saved = new LinkedHashMap<>(Emu.env)
        l.each { String kv -> int i = kv.indexOf('='); Emu.env[kv.substring(0, i)] = kv.substring(i + 1) }
        try {
            return c.call()
        } finally {
            Emu.env = saved
        }
    }
    def withCredentials(List l, Closure c) { c.call() }
    def dir(String d, Closure c) {
        File saved = Emu.ws
        Emu.ws = new File(saved, d)
        Emu.ws.mkdirs()
        try {
            return c.call()
        } finally {
            Emu.ws = saved
        }
    }
    def fileExists(String p) { new File(Emu.ws, p).exists() }
    def readFile(String p) { new File(Emu.ws, p).text }
    def readFile(Map m) { readFile(m.file as String) }
    def writeFile(Map m) { new File(Emu.ws, m.file as String).text = m.text }

    List<File> glob(String pattern) {
        List<File> r = []
        String re = pattern.split(',').collect { it.trim().replace('.', '\\.').replace('**/', '\u0001').replace('**', '\u0000')
            .replace('*', '[^/]*').replace('\u0001', '(.*/)?').replace('\u0000', '.*') }.join('|')
        Emu.ws.eachFileRecurse { File f ->
            String rel = Emu.ws.toPath().relativize(f.toPath()).toString()
            if (f.isFile() && rel ==~ re) {
                r << f
            }
        }
        return r.sort { it.path }
    }
    def junit(Map m) {
        List<File> files = glob(m.testResults as String)
        if (!files && !m.allowEmptyResults) {
            throw new StepError("junit: no test report files were found matching ${m.testResults}")
        }
        int tests = 0, failed = 0
        files.each { File f ->
            def x = new XmlSlurper().parse(f)
            def cases = x.'**'.findAll { it.name() == 'testcase' }
            tests += cases.size()
            failed += cases.count { c -> c.children().any { it.name() in ['failure', 'error'] } }
        }
        if (files && tests == 0 && !m.allowEmptyResults) {
            throw new StepError("junit: no test results in ${m.testResults}")
        }
        Emu.log("[junit] ${files.size()} file(s), ${tests} tests, ${failed} failed")
        if (failed > 0) {
            Emu.mark('UNSTABLE')
        }
    }
    def archiveArtifacts(Map m) {
        List<File> files = glob(m.artifacts as String)
        if (!files && !m.allowEmptyArchive) {
            throw new StepError("archiveArtifacts: no artifacts found that match ${m.artifacts}")
        }
        Emu.log("[archive] ${files.size()} file(s)")
    }
    def archiveArtifacts(String p) { archiveArtifacts(artifacts: p) }
    // the branches one after the other (they share the workspace, as on
    // one agent); a failed branch fails the step once all have run
    def parallel(Map branches) {
        StepError first = null
        branches.each { String n, Closure c ->
            if (n == 'failFast') {
                return
            }
            Emu.log("[parallel] ${n}")
            try {
                c.call()
            } catch (StepError e) {
                Emu.log("ERROR: branch ${n}: ${e.message}")
                first = first ?: e
            }
        }
        if (first != null) {
            throw first
        }
    }
    def stash(Map m) { Emu.log("[stash] ${m.name}") }
    def unstash(String n) { Emu.log("[unstash] ${n}") }
    def file(Map m) { m }
    def string(Map m) { m }
}

if (args.length < 1) {
    System.err.println('usage: groovy emulate.groovy JENKINSFILE [VARS_DIR]')
    System.exit(2)
}
CompilerConfiguration cc = new CompilerConfiguration()
cc.scriptBaseClass = Dsl.name
Binding binding = new Binding()
binding.setVariable('any', 'any')
binding.setVariable('none', 'none')
GroovyShell shell = new GroovyShell(this.class.classLoader, binding, cc)

System.getenv().each { k, v -> Emu.env[k] = v }
Emu.env.BRANCH_NAME = System.getenv('BRANCH_NAME') ?: 'main'
Emu.env.BUILD_NUMBER = System.getenv('BUILD_NUMBER') ?: '1'
if (!System.getenv('GIT_COMMIT')) {
    try {
        Process p = ['git', 'rev-parse', 'HEAD'].execute()
        String sha = p.text.trim()
        if (p.waitFor() == 0) {
            Emu.env.GIT_COMMIT = sha
        }
    } catch (IOException ignored) {
    }
}

Script main
try {
    if (args.length > 1) {
        new File(args[1]).eachFileMatch(~/.*\.groovy/) { File f ->
            Emu.vars[f.name - '.groovy'] = shell.parse(f)
        }
    }
    String text = new File(args[0]).text.replaceFirst(/(?m)^\s*@Library\(['"][^'"]+['"]\)\s*_\s*$/, '')
    main = shell.parse(text, 'Jenkinsfile')
} catch (Exception e) {
    System.err.println("emulate: does not parse: ${e.message}")
    System.exit(2)
}
try {
    main.run()
} catch (Throwable e) {
    System.err.println("emulate: ${e}")
    System.exit(2)
}
Emu.log("[result] build: ${Emu.buildResult}")
System.exit(['SUCCESS': 0, 'UNSTABLE': 3, 'FAILURE': 1][Emu.buildResult])
