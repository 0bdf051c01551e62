/*
 * fuzz_serve_req - mlci-serve's request bodies (serve_req.h): byte 0
 * picks the body's kind (bit 0: CSV, else JSON) and the model (bit 1: a
 * regressor, else a classifier; both trained once on a small table with a
 * categorical and a numeric feature); the rest is the body. A body that
 * parses must predict, and its answer must be valid JSON.
 *
 *   KIND-BYTE BODY
 */
#include <assert.h>
#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "model.h"
#include "serve_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char table[] =
	"colour,size,label,value\n"
	"red,1.0,no,1.5\nblue,2.5,yes,3.0\nred,0.5,no,0.7\ngreen,3.0,yes,4.1\n"
	"blue,2.0,yes,2.9\nred,1.5,no,1.9\ngreen,,yes,3.3\nblue,0.8,no,1.2\n";

static struct model *train(const char *family, const char *label)
{
	char csv[300], out[300];
	struct train_opts o = {0};
	struct train_result r;
	struct mlci_err err = {0};
	struct model *m = NULL;
	FILE *fp;

	snprintf(csv, sizeof(csv), "%s/train.csv", fuzz_tmpdir());
	snprintf(out, sizeof(out), "%s/%s.json", fuzz_tmpdir(), family);
	fp = fopen(csv, "w");
	if (!fp || fputs(table, fp) < 0 || fclose(fp) != 0)
		abort();
	o.data = csv;
	o.label = label;
	o.model = family;
	o.out = out;
	o.features = "colour,size";
	csv_opts_init(&o.csv);
	if (train_run(&o, &r, &err) < 0 || model_load(&m, out, NULL, &err) < 0) {
		fprintf(stderr, "fuzz_serve_req: %s\n", err.msg);
		abort();
	}
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model *models[2];
	struct serve_rows r;
	struct mlci_err err = {0};
	const struct model *m;
	double *pred;
	struct buf out;
	json_t *j;
	size_t width;

	if (!models[0]) {
		models[0] = train("logistic", "label");
		models[1] = train("linear", "value");
	}
	if (!size)
		return 0;
	m = models[(data[0] >> 1) & 1];
	if (serve_rows_parse(&r, m, (const char *)data + 1, size - 1, data[0] & 1,
			     &err) < 0) {
		fuzz_check_err(&err);
		assert(err.code == MLCI_EXIT_DATAERR || err.code == MLCI_EXIT_SOFTWARE);
		serve_rows_release(&r);
		return 0;
	}
	assert(r.f.nrows > 0 && r.f.ncols == model_nfeatures(m));
	width = model_is_classifier(m) ? model_nclasses(m) : 1;
	pred = malloc(r.f.nrows * width * sizeof(*pred));
	assert(pred);
	/* the parser checked every value: prediction cannot refuse them */
	assert(model_predict(m, &r.f, pred, &err) == 0);
	buf_init(&out);
	assert(serve_render(m, "fuzz", "1", pred, r.f.nrows, &out) == 0);
	j = json_loadb(out.data, out.len, 0, NULL);
	assert(j);
	assert(json_array_size(json_object_get(j, "predictions")) == r.f.nrows);
	json_decref(j);
	buf_release(&out);
	free(pred);
	serve_rows_release(&r);
	return 0;
}
