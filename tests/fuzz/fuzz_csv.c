/*
 * fuzz_csv - the CSV reader (frame_load) on arbitrary bytes.
 *
 * The first input byte picks the reader options, the rest is the file:
 *   bits 0-1  delimiter: ',' ';' '\t' '|'
 *   bit  2    --trim
 *   bit  3    --columns (then bits 6-7 pick the list: a,b / a,b,c,d,e /
 *             abalone's 9 names / adult's 15)
 *   bits 4-5  --skip-rows 0..3
 *   bits 6-7  without --columns: the NA list: default / "" / "NA,-" / "?"
 * Each loaded frame is walked: every cell's number parse (frame_number),
 * frame_find on every name, frame_strip_suffix on the last column.
 */
#include <assert.h>
#include <string.h>

#include "csv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = { ',', ';', '\t', '|' };
	static const char *cols[] = {
		"a,b", "a,b,c,d,e", "sex,length,diameter,height,whole,shucked,viscera,shell,rings",
		"age,workclass,fnlwgt,education,education_num,marital_status,occupation,"
		"relationship,race,sex,capital_gain,capital_loss,hours_per_week,"
		"native_country,income",
	};
	static const char *nas[] = { NULL, "", "NA,-", "?" };
	struct csv_opts o;
	struct frame f;
	struct fuzz_file ff;
	struct mlci_err err = { 0 };
	uint8_t b;
	size_t r, c, cells = 0;

	if (size < 1)
		return 0;
	b = data[0];
	csv_opts_init(&o);
	o.delim = delims[b & 3];
	o.trim = (b >> 2) & 1;
	o.skip_rows = (b >> 4) & 3;
	if ((b >> 3) & 1)
		o.columns = cols[(b >> 6) & 3];
	else
		o.na = nas[(b >> 6) & 3];

	memset(&f, 0, sizeof(f));
	fuzz_file_open(&ff, data + 1, size - 1);
	if (frame_load(&f, ff.path, &o, &err) == 0) {
		assert(f.ncols > 0);
		for (c = 0; c < f.ncols; c++) {
			assert(f.names[c] != NULL);
			assert(frame_find(&f, f.names[c]) >= 0);
		}
		for (r = 0; r < f.nrows && cells < 100000; r++)
			for (c = 0; c < f.ncols; c++, cells++) {
				double v;
				struct mlci_err e2 = { 0 };

				if (frame_number(&f, r, c, &v, &e2) < 0)
					assert(e2.code == MLCI_EXIT_DATAERR);
				assert(f.line[r * f.ncols + c] >= 1);
			}
		frame_strip_suffix(&f, f.ncols - 1, ".");
	} else {
		fuzz_check_err(&err);
	}
	frame_free(&f);
	fuzz_file_close(&ff);
	return 0;
}
