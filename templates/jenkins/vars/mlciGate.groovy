// mlciGate: mlci-gate over the evaluated metrics, its JUnit report
// published whatever the verdict (a failed rule shows as a failed test),
// then the exit code mapped by mlciRun: 0 passes, 3 (inconclusive, such as
// a rule over a baseline not recorded yet) marks the build UNSTABLE, 1 (a
// rule failed) fails the stage, 75 is retried.
//
//   mlciGate()                                   // gate.rules, mlci-out/
//   mlciGate(rules: 'ci/gate.rules', baseline: 'git:origin/main', history: 10)
def call(Map args = [:]) {
    String out = args.out ?: 'mlci-out'
    String rules = args.rules ?: (env.MLCI_RULES_FILE ?: 'gate.rules')
    String cmd = "mlci-gate --metrics '${out}/metrics.json' --rules '${rules}'" +
        " --out '${out}/gate.json' --junit '${out}/gate-junit.xml'" +
        " --markdown '${out}/gate.md' --openmetrics '${out}/metrics.txt'"
    if (args.baseline) {
        cmd += " --baseline '${args.baseline}'"
    }
    if (args.history) {
        cmd += " --history ${args.history as int}"
    }
    int rc = 0
    try {
        rc = mlciRun(script: cmd, label: 'mlci-gate', retries: args.retries ?: 2)
    } finally {
        if (fileExists("${out}/gate-junit.xml")) {
            junit testResults: "${out}/gate-junit.xml", allowEmptyResults: false
        }
    }
    return rc
}
