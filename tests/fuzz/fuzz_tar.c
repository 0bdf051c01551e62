/*
 * fuzz_tar - fuzz_archive with the input gzipped by the harness, so the
 * fuzzer works on the tar layer (headers, sizes, paths, padding).
 */
#define FUZZ_TAR 1
#include "fuzz_archive.c"
