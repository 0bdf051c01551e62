/*
 * dqreport.h - a data report's anomalies rendered for merge requests:
 * GitLab code-quality findings and JUnit XML.
 *
 * Both are pure: they read an mlci.data-report artifact (as written by
 * mlci-validate-data) and append to a buffer, touching no file or clock.
 *
 * Code quality (artifacts:reports:codequality): a JSON array, one finding
 * per anomaly: description (the message), check_name "mlci.data.<code>",
 * severity (error → critical, warning → minor, info → info), location
 * {path: the data file as given, lines: {begin: the anomaly's "line" or
 * 1}}, and a fingerprint: the sha256 of path, code and column, so the
 * same problem keeps its identity from one pipeline to the next and
 * GitLab can tell new findings from fixed ones.
 *
 * JUnit (valid under the Ant and Jenkins xunit schemas): one <testsuite
 * name="mlci-validate-data"> with one <testcase> per check: "columns"
 * (missing and extra columns), "rows" (duplicates), "label" (when the
 * report has one), then "column NAME" for every column of the data; a
 * check fails when an error-severity anomaly belongs to it, and warnings
 * and infos are listed in the suite's <system-out>, since JUnit has no
 * warning state.
 */
#ifndef MLCI_DQREPORT_H
#define MLCI_DQREPORT_H

#include <jansson.h>

#include "util.h"

/* Append the code-quality JSON for report to b. 0, or -1 (memory). */
int dq_codequality(struct buf *b, const json_t *report);

/* Append the JUnit XML for report to b; timestamp YYYY-MM-DDTHH:MM:SS and
 * hostname go into the suite's attributes. 0, or -1 (memory). */
int dq_junit(struct buf *b, const json_t *report, const char *timestamp,
	     const char *hostname);

#endif
