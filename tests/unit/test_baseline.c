/*
 * test_baseline.c - shared/baseline.c: the noise band against
 * tests/ref/bands.json (numpy, written by tests/ref/bands.py), the band
 * position, git specs, and the note encoding (round trip, sha256 check,
 * malformed notes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>
#include <jansson.h>

#include "baseline.h"

static void near(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol * fmax(1, fabs(want)))) {
		fprintf(stderr, "%s: got %.17g, want %.17g\n", what, got, want);
		fail();
	}
}

static void test_baseline__band_against_numpy(void **state)
{
	json_error_t je;
	json_t *ref = json_load_file("tests/ref/bands.json", 0, &je), *c;
	size_t i, k;

	(void)state;
	assert_non_null(ref);
	assert_true(json_array_size(ref) >= 5);
	json_array_foreach(ref, i, c) {
		json_t *vs = json_object_get(c, "values");
		size_t n = json_array_size(vs);
		double *v = calloc(n, sizeof(*v));
		struct baseline_band b;

		assert_non_null(v);
		for (k = 0; k < n; k++)
			v[k] = json_number_value(json_array_get(vs, k));
		assert_int_equal(baseline_band(v, n, &b), 0);
		assert_int_equal(b.n, n);
		near(b.low, json_number_value(json_object_get(c, "low")), 0, "low");
		near(b.high, json_number_value(json_object_get(c, "high")), 0, "high");
		near(b.mean, json_number_value(json_object_get(c, "mean")), 1e-14, "mean");
		near(b.sd, json_number_value(json_object_get(c, "sd")), 1e-9, "sd");
		/* the ends are within, beyond them not */
		assert_string_equal(baseline_band_position(&b, b.low), "within");
		assert_string_equal(baseline_band_position(&b, b.high), "within");
		assert_string_equal(baseline_band_position(&b, b.low - 1e-3 * fmax(1, fabs(b.low))), "below");
		assert_string_equal(baseline_band_position(&b, b.high + 1e-3 * fmax(1, fabs(b.high))), "above");
		free(v);
	}
	json_decref(ref);
}

static void test_baseline__band_undefined(void **state)
{
	struct baseline_band b;
	double one = 0.9;

	(void)state;
	assert_int_equal(baseline_band(NULL, 0, &b), 1);
	assert_int_equal(b.n, 0);
	assert_int_equal(baseline_band(&one, 1, &b), 1);
	assert_int_equal(b.n, 1);
}

static void test_baseline__spec(void **state)
{
	struct mlci_err err = { 0 };
	char *ref, *path;

	(void)state;
	assert_true(baseline_is_git("git:main"));
	assert_false(baseline_is_git("metrics.json"));
	assert_int_equal(baseline_spec_parse("git:origin/main:models/a/metrics.json", &ref, &path, &err), 0);
	assert_string_equal(ref, "origin/main");
	assert_string_equal(path, "models/a/metrics.json");
	free(ref), free(path);
	assert_int_equal(baseline_spec_parse("git:v1.2", &ref, &path, &err), 0);
	assert_string_equal(ref, "v1.2");
	assert_null(path);
	free(ref);
	assert_int_equal(baseline_spec_parse("git:", &ref, &path, &err), -1);
	assert_int_equal(err.code, 64);
	assert_int_equal(baseline_spec_parse("git::metrics.json", &ref, &path, &err), -1);
	assert_int_equal(baseline_spec_parse("git:main:", &ref, &path, &err), -1);
	assert_int_equal(err.code, 64);
}

static json_t *metrics_art(void)
{
	return json_pack("{s:s, s:i, s:s, s:{s:f, s:f}, s:{s:s, s:s}}", "kind", "mlci.metrics",
			 "schema_version", 1, "task", "classification", "metrics",
			 "accuracy", 0.875, "f1_macro", 0.5, "predictions", "path",
			 "out/predictions.csv", "sha256", "x");
}

static void test_baseline__note_round_trip(void **state)
{
	struct mlci_err err = { 0 };
	json_t *art = metrics_art(), *back = NULL;
	char pred[4096];
	char *note, *p = NULL, *pp = NULL;
	size_t i, np = 0, off = 0;

	(void)state;
	off += (size_t)snprintf(pred + off, sizeof(pred) - off, "key,label,prediction\n");
	for (i = 0; i < 100; i++)
		off += (size_t)snprintf(pred + off, sizeof(pred) - off, "%zu,%s,%s\n", i,
					i % 3 ? "yes" : "no", i % 5 ? "yes" : "no");
	note = baseline_note_encode(art, "out/predictions.csv", pred, off, &err);
	assert_non_null(note);
	/* compressed: the note is smaller than the file it carries */
	assert_true(strstr(note, "\"encoding\": \"gzip+base64\"") != NULL);
	assert_int_equal(baseline_note_decode(note, strlen(note), "note", 1, &back, &p,
					      &np, &pp, &err), 0);
	assert_true(json_equal(art, back));
	assert_int_equal(np, off);
	assert_memory_equal(p, pred, off);
	assert_string_equal(pp, "out/predictions.csv");
	json_decref(back);
	free(p), free(pp);
	/* deterministic: the same inputs give the same bytes */
	{
		char *again = baseline_note_encode(art, "out/predictions.csv", pred, off, &err);

		assert_string_equal(again, note);
		free(again);
	}
	/* without predictions */
	free(note);
	note = baseline_note_encode(art, NULL, NULL, 0, &err);
	assert_non_null(note);
	assert_null(strstr(note, "predictions\": {\n    \"bytes"));
	assert_int_equal(baseline_note_decode(note, strlen(note), "note", 1, &back, &p,
					      &np, &pp, &err), 0);
	assert_null(p);
	json_decref(back);
	free(note);
	json_decref(art);
}

static void test_baseline__note_malformed(void **state)
{
	struct mlci_err err = { 0 };
	json_t *art = metrics_art(), *back = NULL, *j;
	char *note, *p = NULL, *pp = NULL, *bad;
	size_t np = 0;
	const char *nan = "{\"kind\": \"mlci.baseline-note\", \"schema_version\": 1, \"metrics\": {\"accuracy\": NaN}}";

	(void)state;
	assert_int_equal(baseline_note_decode("not json", 8, "git:main (note)", 1, &back, &p,
					      &np, &pp, &err), -1);
	assert_int_equal(err.code, 65);
	assert_string_equal(err.file, "git:main (note)");
	assert_int_equal(baseline_note_decode(nan, strlen(nan), "n", 1, &back, &p, &np, &pp, &err), -1);
	assert_int_equal(err.code, 65);
	assert_int_equal(baseline_note_decode("{\"kind\": \"x\"}", 13, "n", 1, &back, &p, &np, &pp,
					      &err), -1);
	assert_int_equal(err.code, 65);
	/* predictions that do not match their sha256 */
	note = baseline_note_encode(art, "p.csv", "key,label,prediction\n1,a,a\n", 27, &err);
	assert_non_null(note);
	j = json_loads(note, 0, NULL);
	json_object_set_new(json_object_get(j, "predictions"), "sha256",
			    json_string("0000000000000000000000000000000000000000000000000000000000000000"));
	bad = json_dumps(j, 0);
	assert_int_equal(baseline_note_decode(bad, strlen(bad), "n", 1, &back, &p, &np, &pp, &err), -1);
	assert_int_equal(err.code, 65);
	assert_null(back);
	free(bad);
	/* a truncated payload */
	json_object_set_new(json_object_get(j, "predictions"), "data", json_string("H4sIAAAA"));
	bad = json_dumps(j, 0);
	assert_int_equal(baseline_note_decode(bad, strlen(bad), "n", 1, &back, &p, &np, &pp, &err), -1);
	assert_int_equal(err.code, 65);
	free(bad);
	/* the metrics alone are still readable when predictions are not wanted */
	assert_int_equal(baseline_note_decode(note, strlen(note), "n", 0, &back, NULL, NULL, NULL,
					      &err), 0);
	json_decref(back);
	json_decref(j);
	free(note);
	json_decref(art);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline__band_against_numpy),
		cmocka_unit_test(test_baseline__band_undefined),
		cmocka_unit_test(test_baseline__spec),
		cmocka_unit_test(test_baseline__note_round_trip),
		cmocka_unit_test(test_baseline__note_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
