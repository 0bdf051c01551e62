/*
 * profile.h - a data report as one self-contained HTML page: no scripts,
 * no external files, charts as inline SVG, so it opens anywhere (a CI
 * artifact, a merge request's "expose_as" link, a mail attachment).
 *
 * The page: the file, its size in rows and columns, the verdict; the
 * anomalies, errors first, highlighted by severity; then a card per
 * column with its statistics and a chart: a histogram for a numeric
 * column when the report carries one ("histogram": {"edges": [...],
 * "counts": [...]}), else bars of its most frequent values; a column's
 * drift, when the report has "drift" for it, beside its statistics;
 * with "leakage" (--against), a section on what the data shares with the
 * other split (counts and line numbers only).
 * Values are HTML-escaped; a column flagged as personal data carries
 * only the masked values the report holds.
 */
#ifndef MLCI_PROFILE_H
#define MLCI_PROFILE_H

#include <jansson.h>

#include "util.h"

/* Append the HTML page for report (an mlci.data-report) to b. 0, or -1
 * when memory runs out. */
int profile_html(struct buf *b, const json_t *report);

#endif
