/*
 * fuzz_model - model.json: model_load on arbitrary bytes; a model that
 * loads is written back (model_to_json, serialised, which must load again) and
 * predicts a tiny CSV whose columns are its features: a number, a known
 * category, a missing value and an unseen category / huge number.
 * Probabilities must lie in [0, 1] (or be NaN, which the callers refuse).
 * The lean read of a large forest (MLCI_MODEL_LEAN_BYTES=0 makes every
 * model large) must give the whole-file read's verdict and exit code.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "artifact.h"
#include "fuzz.h"
#include "model.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A CSV field, always quoted. */
static void field(struct buf *b, const char *s, int last)
{
	buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_addch(b, '"');
		buf_addch(b, *s);
	}
	buf_addch(b, '"');
	buf_addch(b, last ? '\n' : ',');
}

static void predict(const struct model *m)
{
	static const char *numeric[] = { "0.5", "", "-3", "1e300" };
	struct buf b;
	struct fuzz_file ff;
	struct csv_opts o;
	struct frame f;
	struct mlci_err err = { 0 };
	size_t nf = model_nfeatures(m), j, r, k, nout;
	double *out;

	if (nf == 0 || nf > 2000)
		return;
	buf_init(&b);
	for (j = 0; j < nf; j++)
		field(&b, model_feature_name(m, j), j + 1 == nf);
	for (r = 0; r < 4; r++)
		for (j = 0; j < nf; j++) {
			const struct prep_col *c = &m->prep.cols[j];
			const char *v = numeric[r];

			if (c->kind == PREP_CATEGORICAL)
				v = r == 0 ? c->cats[0] : r == 1 ? "" :
				    r == 2 ? c->cats[c->ncats - 1] : "\x01unseen";
			field(&b, v, j + 1 == nf);
		}
	fuzz_file_open(&ff, b.data, b.len);
	buf_release(&b);
	csv_opts_init(&o);
	o.na = "";
	memset(&f, 0, sizeof(f));
	if (frame_load(&f, ff.path, &o, &err) == 0) {
		nout = m->classifier ? model_nclasses(m) : 1;
		out = calloc(f.nrows * nout + 1, sizeof(*out));
		assert(out);
		if (model_predict(m, &f, out, &err) == 0) {
			for (r = 0; r < f.nrows; r++)
				for (k = 0; k < nout; k++) {
					double p = out[r * nout + k];

					/* NaN is possible (1e300 times a huge
					 * coefficient, inf - inf): the callers
					 * refuse non-finite predictions
					 * (evaluate: 65 "predicts a non-finite
					 * value"); a number must be a probability */
					if (m->classifier && (p < 0 || p > 1)) {
						fprintf(stderr, "prediction %zu,%zu is %g\n", r, k, p);
						abort();
					}
				}
		} else {
			fuzz_check_err(&err);
		}
		free(out);
	}
	frame_free(&f);
	fuzz_file_close(&ff);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_file ff;
	struct mlci_err err = { 0 };
	struct model *m = NULL, *m2 = NULL;
	char sha[SHA256_HEX_LEN + 1];

	fuzz_file_open(&ff, data, size);
	/* the lean read (a forest's trees parsed one at a time) against the
	 * whole-file read: the same verdict, the same error */
	{
		struct mlci_err e1 = { 0 }, e2 = { 0 };
		struct model *a = NULL, *b = NULL;
		int r1, r2;

		setenv("MLCI_MODEL_LEAN_BYTES", "0", 1);
		r1 = model_load(&a, ff.path, NULL, &e1);
		setenv("MLCI_MODEL_LEAN_BYTES", "4294967296", 1);
		r2 = model_load(&b, ff.path, NULL, &e2);
		unsetenv("MLCI_MODEL_LEAN_BYTES");
		/* (with several faults, which is reported may differ: the
		 * lean read parses a tree's text when it reaches that tree) */
		assert(r1 == r2);
		assert(!r1 || e1.code == e2.code);
		model_free(a), model_free(b);
	}
	if (model_load(&m, ff.path, sha, &err) == 0) {
		json_t *art = json_object(), *back;
		char *text;

		assert(m);
		json_object_set_new(art, "kind", json_string(KIND_MODEL));
		json_object_set_new(art, "schema_version", json_integer(SCHEMA_MODEL));
		assert(model_to_json(m, art) == 0);
		/* through its text, as a model is read back (a forest's
		 * trees are a lazy array until serialised) */
		text = artifact_dumps(art);
		assert(text);
		back = json_loads(text, 0, NULL);
		free(text);
		assert(back);
		memset(&err, 0, sizeof(err));
		if (model_from_json(&m2, back, "back.json", &err) != 0) {
			fprintf(stderr, "written model does not read back: %s\n", err.msg);
			abort();
		}
		json_decref(back);
		assert(model_nfeatures(m2) == model_nfeatures(m));
		assert(model_nclasses(m2) == model_nclasses(m));
		model_free(m2);
		json_decref(art);
		predict(m);
	} else {
		assert(m == NULL);
		fuzz_check_err(&err);
	}
	model_free(m);
	fuzz_file_close(&ff);
	return 0;
}
