// mlciRun: run one mlci command (a shell script) the way mlci's exit codes
// ask a CI system to treat it:
//   0           the stage goes on
//   75          a temporary failure (a registry lock held, a server down):
//               run again, up to `retries` more times (default 2), after
//               `retryDelay` seconds (default 10)
//   3           inconclusive: the stage and the build are marked UNSTABLE,
//               the pipeline goes on
//   1 and other the stage fails (and with it the build)
// Returns the exit code (0 or 3).
//
//   mlciRun 'mlci-train --data "$MLCI_TRAIN_CSV" --model logistic --out mlci-out/model.json'
//   def rc = mlciRun(script: '...', retries: 4, retryDelay: 30)
def call(Map args) {
    String script = args.script
    int retries = args.containsKey('retries') ? (args.retries as int) : 2
    int delay = args.containsKey('retryDelay') ? (args.retryDelay as int) : 10
    String what = args.label ?: script.trim().tokenize(' \n')[0]
    int rc = 0
    for (int attempt = 0; attempt <= retries; attempt++) {
        rc = sh(returnStatus: true, script: script)
        if (rc != 75) {
            break
        }
        if (attempt < retries) {
            echo "${what}: exit 75 (temporary failure), trying again in ${delay} s (${attempt + 1} of ${retries})"
            sleep(time: delay, unit: 'SECONDS')
        }
    }
    if (rc == 3) {
        unstable("${what}: inconclusive (exit 3)")
    } else if (rc == 75) {
        error("${what}: still a temporary failure (exit 75) after ${retries} retries")
    } else if (rc != 0) {
        error("${what} exited ${rc}")
    }
    return rc
}

def call(String script) {
    return call(script: script)
}
