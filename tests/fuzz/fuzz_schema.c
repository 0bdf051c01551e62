/*
 * fuzz_schema - mlci.schema artifacts: schema_from_json on any JSON, the
 * writer on what it accepted (which must read back), and the whole
 * validate_run checking a small iris-like CSV against the schema.
 */
#include <assert.h>
#include <string.h>

#include "artifact.h"
#include "fuzz.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char csv_text[] =
	"sepal length (cm),sepal width (cm),petal length (cm),petal width (cm),species\n"
	"5.1,3.5,1.4,0.2,setosa\n"
	"4.9,3.0,1.4,0.2,setosa\n"
	"7.0,3.2,4.7,1.4,versicolor\n"
	"6.4,,4.5,1.5,versicolor\n"
	"6.3,3.3,6.0,2.5,virginica\n"
	"5.8,2.7,5.1,1.9,NA\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_file csv = { -1, "" };
	struct fuzz_file ff;
	struct mlci_err err = { 0 };
	struct schema sc;
	json_error_t je;
	json_t *j;
	char out[512];

	if (csv.fd < 0)
		fuzz_file_open(&csv, csv_text, sizeof(csv_text) - 1);
	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (j) {
		if (schema_from_json(&sc, j, "schema.json", &err) == 0) {
			json_t *back = json_object();
			struct schema sc2;
			size_t i;

			assert(sc.ncols > 0);
			for (i = 0; i < sc.ncols; i++)
				assert(schema_find(&sc, sc.cols[i].name) >= 0);
			assert(back && schema_to_json(&sc, back) == 0);
			memset(&err, 0, sizeof(err));
			if (schema_from_json(&sc2, back, "back.json", &err) != 0) {
				fprintf(stderr, "written schema does not read back: %s\n", err.msg);
				abort();
			}
			assert(sc2.ncols == sc.ncols);
			schema_free(&sc2);
			json_decref(back);
		} else {
			fuzz_check_err(&err);
		}
		schema_free(&sc);
		json_decref(j);
	}

	/* the same bytes as a --schema file for a real validation run */
	{
		struct validate_opts o;
		struct validate_result res;

		memset(&o, 0, sizeof(o));
		memset(&res, 0, sizeof(res));
		memset(&err, 0, sizeof(err));
		fuzz_file_open(&ff, data, size);
		snprintf(out, sizeof(out), "%s/report.json", fuzz_tmpdir());
		o.data = csv.path;
		csv_opts_init(&o.csv);
		o.schema = ff.path;
		o.out = out;
		o.max_missing = -1;
		o.producer = "mlci-validate-data";
		if (validate_run(&o, &res, &err) < 0)
			fuzz_check_err(&err);
		validate_result_free(&res);
		fuzz_file_close(&ff);
	}
	return 0;
}
