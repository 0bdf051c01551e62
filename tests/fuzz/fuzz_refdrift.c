/*
 * fuzz_refdrift - a data report as the --reference of a validation run
 * (refdrift.h): refdrift_load on any bytes, then validate_run of a small
 * iris-like CSV (with its label) against what loaded. A report that
 * loads must give a drift object whose every figure is finite.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "artifact.h"
#include "fuzz.h"
#include "refdrift.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char csv_text[] =
	"sepal_length,sepal_width,petal_length,petal_width,species,flag\n"
	"5.1,3.5,1.4,0.2,setosa,true\n"
	"4.9,3.0,1.4,0.2,setosa,false\n"
	"4.7,3.2,1.3,0.2,setosa,True\n"
	"7.0,3.2,4.7,1.4,versicolor,false\n"
	"6.4,,4.5,1.5,versicolor,true\n"
	"6.9,3.1,4.9,1.5,versicolor,false\n"
	"6.3,3.3,6.0,2.5,virginica,true\n"
	"5.8,2.7,5.1,1.9,virginica,\n"
	"7.1,3.0,5.9,2.1,NA,false\n";

/* Every number in the drift object is finite (JSON has no NaN, but a
 * bug could still write a huge or a null where a number belongs). */
static void all_finite(const json_t *j)
{
	size_t i;
	const char *k;
	json_t *v;

	if (json_is_real(j))
		assert(isfinite(json_real_value(j)));
	else if (json_is_array(j))
		json_array_foreach(j, i, v)
			all_finite(v);
	else if (json_is_object(j))
		json_object_foreach((json_t *)j, k, v)
			all_finite(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_file csv = { -1, "" };
	struct fuzz_file ff;
	struct mlci_err err = { 0 };
	struct validate_opts o;
	struct validate_result res;
	struct refdrift_opts d;
	char out[512];

	if (csv.fd < 0)
		fuzz_file_open(&csv, csv_text, sizeof(csv_text) - 1);
	fuzz_file_open(&ff, data, size);
	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	refdrift_opts_init(&d);
	d.reference = ff.path;
	snprintf(out, sizeof(out), "%s/report.json", fuzz_tmpdir());
	o.data = csv.path;
	csv_opts_init(&o.csv);
	o.label = "species";
	o.out = out;
	o.max_missing = -1;
	o.producer = "mlci-validate-data";
	o.drift = &d;
	if (validate_run(&o, &res, &err) < 0) {
		fuzz_check_err(&err);
	} else {
		const json_t *dr = json_object_get(res.report, "drift");

		assert(dr);
		all_finite(dr);
		assert(json_number_value(json_object_get(dr, "share")) >= 0 &&
		       json_number_value(json_object_get(dr, "share")) <= 1);
	}
	validate_result_free(&res);
	refdrift_opts_free(&d);
	fuzz_file_close(&ff);
	return 0;
}
