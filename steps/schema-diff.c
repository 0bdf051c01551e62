/*
 * mlci-schema-diff: compare two mlci.schema files and classify every
 * change as breaking or additive. Exit 0 when nothing breaks, 1 when a
 * change is breaking. The core is schema_diff_run (shared/schemadiff.h),
 * which mlci-validate-data --schema-diff OLD NEW can call as well.
 */
#include <stdio.h>
#include <stdlib.h>

#include "artifact.h"
#include "cli.h"
#include "schemadiff.h"

static const char more[] =
	"A change is breaking when data that passed OLD can fail NEW, or when\n"
	"NEW drops a column OLD promised: a column removed or renamed, a\n"
	"required column added, a type narrowed (string -> number, number ->\n"
	"integer), a category removed, a range tightened, nullable -> required,\n"
	"a lower max_missing, domain observed -> enforced, another label.\n"
	"The reverse changes are additive. Columns are matched by name; a\n"
	"removed and an added column with the same type and domain are\n"
	"reported once, as column_renamed? (breaking).\n"
	"\n"
	"exit codes: 0 no breaking change, 1 a breaking change, 64 usage,\n"
	"65 malformed schema, 66 missing schema, 70 internal error,\n"
	"73 cannot create output, 74 I/O error\n";

int main(int argc, char **argv)
{
	struct mlci_err err = { 0 };
	struct schema_diff_opts o = { 0 };
	struct schema_diff_result res = { 0 };
	struct cli_list pos = { 0 };
	struct buf text;
	int json = 0, rc;
	const struct cli_opt opts[] = {
		{ "out", CLI_STR, &o.out, "FILE", "also write the changes as an mlci.schema-diff artifact" },
		{ "json", CLI_FLAG, &json, NULL, "print the artifact on stdout instead of the table" },
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-schema-diff", "OLD NEW [--json] [--out FILE]",
		"Compare two schemas (mlci.schema, as written by mlci-validate-data\n"
		"--infer-schema): print every change with its verdict, breaking or\n"
		"additive, and exit 1 when any change is breaking.",
		opts, more, 2
	};

	rc = cli_parse(&spec, argc, argv, &pos, &err);
	if (rc == CLI_DONE) {
		cli_release(&spec, &pos);
		return 0;
	}
	if (rc == 0 && pos.n != 2)
		rc = err_set(&err, MLCI_EXIT_USAGE, NULL,
			     "OLD and NEW are required: %s OLD NEW (see --help)",
			     spec.prog);
	if (rc < 0) {
		rc = cli_report(spec.prog, &err);
		cli_release(&spec, &pos);
		return rc;
	}
	o.old_path = pos.v[0];
	o.new_path = pos.v[1];
	o.producer = spec.prog;
	if (schema_diff_run(&o, &res, &err) < 0) {
		rc = cli_report(spec.prog, &err);
		cli_release(&spec, &pos);
		return rc;
	}
	buf_init(&text);
	if (json) {
		char *s = artifact_dumps(res.artifact);

		rc = s && fputs(s, stdout) >= 0 ? 0 : -1;
		free(s);
	} else {
		rc = schema_diff_table(&res.diff, &text);
		if (!rc)
			fputs(text.data, stdout);
		buf_reset(&text);
		if (!rc && schema_diff_summary(&o, &res.diff, &text) == 0)
			printf("%s: %s%s%s%s\n", spec.prog, text.data,
			       o.out ? " (" : "", o.out ? o.out : "", o.out ? ")" : "");
	}
	if (rc < 0) {
		err_set(&err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		rc = cli_report(spec.prog, &err);
	} else {
		rc = res.diff.breaking ? MLCI_EXIT_VERDICT : MLCI_EXIT_OK;
	}
	buf_release(&text);
	schema_diff_result_free(&res);
	cli_release(&spec, &pos);
	if (fflush(stdout) != 0 || ferror(stdout))
		return MLCI_EXIT_IOERR;
	return rc;
}
