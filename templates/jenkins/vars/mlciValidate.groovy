// mlciValidate: mlci-validate-data on the training data (leakage against
// the test split, personal data, the schema inferred for later runs), its
// checks published as JUnit results, then the exit code mapped by mlciRun
// (1: the data failed validation, and the stage fails).
//
//   mlciValidate(data: 'data/train.csv', against: 'data/test.csv', label: 'diagnosis')
def call(Map args = [:]) {
    String out = args.out ?: 'mlci-out'
    String data = args.data ?: env.MLCI_TRAIN_CSV
    String cmd = "mkdir -p '${out}' && mlci-validate-data --data '${data}'" +
        " --infer-schema '${out}/schema.json' --out '${out}/data-report.json'" +
        " --html '${out}/data-profile.html' --junit '${out}/data-junit.xml'"
    if (args.label) {
        cmd += " --label '${args.label}'"
    }
    if (args.against) {
        cmd += " --against '${args.against}'"
    }
    int rc = 0
    try {
        rc = mlciRun(script: cmd, label: 'mlci-validate-data', retries: args.retries ?: 2)
    } finally {
        if (fileExists("${out}/data-junit.xml")) {
            junit testResults: "${out}/data-junit.xml", allowEmptyResults: false
        }
    }
    return rc
}
