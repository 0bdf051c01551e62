/*
 * evalhtml.h - the HTML evaluation report of mlci-evaluate (--html).
 *
 * One self-contained page (no script, no external resource: styles and
 * charts are inline SVG and CSS), made from metrics.json as written and
 * the scored set it was computed from:
 *   - the metrics table, with each bootstrap interval when there are
 *     intervals, and the operational figures when measured;
 *   - classification with scores: the ROC curve and the precision-recall
 *     curve (binary: of the second class; multiclass: one-vs-rest, one
 *     line per class, colours cycling past 10 classes) and the
 *     reliability diagram (calibration curve, 10 equal-width bins, per
 *     class likewise), exactly as metrics.h's curve functions compute
 *     them (sklearn's roc_curve, precision_recall_curve,
 *     calibration_curve);
 *   - classification: the confusion matrix as a heat map (cells shaded
 *     by their share of the true class's rows, counts written in);
 *   - regression: predicted against actual values (at most
 *     EVALHTML_MAX_POINTS points: every k-th scored row, k the smallest
 *     step that fits, so the same data gives the same plot) and a
 *     histogram of the residuals (actual - predicted, 30 equal bins);
 *   - the slice table (every slice, its size, and every metric; small
 *     slices marked), and the warnings.
 * Elements carry ids for tests: "col-m-METRIC" (metric rows),
 * "col-op-FIGURE", "col-slice-I" (I the slice's index in metrics.json),
 * "col-roc", "col-pr", "col-calibration", "col-confusion",
 * "col-scatter", "col-residuals".
 * The plotted points are also embedded, as JSON (every '<' written
 * \u003c), in <script type="application/json" id="mlci-curves">:
 *   {"roc": [{class, fpr, tpr, thresholds}], "pr": [{class, recall,
 *    precision, thresholds}], "calibration": [{class, prob_pred,
 *    prob_true, n}], "scatter": {rows, actual, predicted},
 *    "residuals": {edges, counts}} (the parts that apply).
 */
#ifndef MLCI_EVALHTML_H
#define MLCI_EVALHTML_H

#include <jansson.h>

#include "error.h"
#include "scored.h"
#include "util.h"

#define EVALHTML_MAX_POINTS 2000

/* Append the page for metrics.json art and the scored set s to out.
 * 0, or -1 with err set (70 memory). */
int evalhtml_render(const json_t *art, const struct scored *s,
		    struct buf *out, struct mlci_err *err);

#endif
