/*
 * modelcard.h - MODEL_CARD.md, the package's human-readable summary.
 *
 * Generated from the packaged artifacts and an optional card config
 * (mlci-package --card-config FILE), in a fixed order of sections:
 * Model (type, task, label, classes, features, parameters), Intended
 * use, Limitations, Owners, License (from the config; "Not stated."
 * without one), Training data (rows, columns and their types and missing
 * rates, anomalies, verdict: from data-report.json), Evaluation (every
 * metric, with its bootstrap interval when metrics.json holds one), Gate
 * (verdict, decision and each rule with its value and threshold; these
 * figures to 4 significant digits) and
 * Provenance (the sha256 of each artifact and of the training data). No
 * time stamp and no path of the machine that built it: the same inputs
 * give the same bytes.
 *
 * The card config is a JSON object, or lines of `key: value` (blank
 * lines and lines starting with '#' skipped; a line indented by spaces
 * continues the value before it). Keys: intended_use, limitations,
 * owners (a string, or a JSON array of strings: one per line in the
 * card), license; any other key, or a key given twice, is an error.
 */
#ifndef MLCI_MODELCARD_H
#define MLCI_MODELCARD_H

#include <jansson.h>

#include "error.h"
#include "util.h"

struct modelcard_config {
	char *intended_use;	/* each owned, NULL when not given */
	char *limitations;
	char *owners;		/* one owner per line */
	char *license;
};

/* Read a card config; 66 missing, 65 malformed (naming file and line).
 * Free with modelcard_config_release (also after failure). */
int modelcard_config_load(const char *path, struct modelcard_config *c,
			  struct mlci_err *err);

void modelcard_config_release(struct modelcard_config *c);

struct modelcard_in {
	const char *name, *version;
	const json_t *model;			/* required */
	const json_t *metrics, *gate, *data_report;	/* NULL when not packaged */
	const struct modelcard_config *config;	/* NULL: none */
	/* sha256 of the packaged files, NULL when absent */
	const char *model_sha256, *metrics_sha256, *gate_sha256;
	const char *data_report_sha256, *schema_sha256, *data_sha256;
};

/* Render the card into out (appended); 70 when memory runs out. */
int modelcard_render(const struct modelcard_in *in, struct buf *out,
		     struct mlci_err *err);

#endif
