// mlciSearch: a hyperparameter search fanned out over parallel branches,
// then reduced: branch K of `runners` runs `mlci-train --shard K/N` into
// its own mlci-out/trials/trials-K.json (parallel branches on one agent
// share the workspace), then `mlci-train --select` picks the best trial of
// them all and refits it on the whole training set: the model one
// unsharded search would pick. Exit codes as mlciRun.
//
//   mlciSearch(search: 'max_depth=2..10:int\nmax_features=0.2..1.0:float',
//              model: 'forest', runners: 4, trials: 40)
// data, label and model default to MLCI_TRAIN_CSV, MLCI_LABEL and
// MLCI_ALGORITHM; search to MLCI_TRAIN_SEARCH (one spec per line).
def call(Map args = [:]) {
    String out = args.out ?: 'mlci-out'
    String data = args.data ?: env.MLCI_TRAIN_CSV
    String label = args.label ?: env.MLCI_LABEL
    String model = args.model ?: env.MLCI_ALGORITHM
    String search = args.search ?: env.MLCI_TRAIN_SEARCH
    int runners = (args.runners ?: 4) as int
    int trials = (args.trials ?: 20) as int
    String method = args.method ?: 'random'
    if (!search) {
        error('mlciSearch: no search given (search: or MLCI_TRAIN_SEARCH)')
    }
    String common = "mlci-train --data '${data}' --label '${label}' --model '${model}'" +
        " --search-method '${method}' --trials ${trials}"
    withEnv(["MLCI_TRAIN_SEARCH=${search}"]) {
        sh "mkdir -p '${out}/trials'"
        Map branches = [:]
        for (int k = 1; k <= runners; k++) {
            int shard = k
            branches["search ${shard}/${runners}"] = {
                mlciRun(script: "${common} --shard ${shard}/${runners} --out '${out}/trials/trials-${shard}.json'",
                        label: "mlci-train ${shard}/${runners}")
            }
        }
        parallel branches
        mlciRun(script: "${common} --out '${out}/model.json' --select '${out}'/trials/trials-*.json",
                label: 'mlci-train --select')
    }
}
