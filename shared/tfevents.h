/*
 * tfevents.h - training curves as a TensorBoard event file, which
 * `tensorboard --logdir DIR` reads.
 *
 * The file is a sequence of records, each framed as TensorFlow's record
 * writer frames them:
 *   uint64 length (little-endian)
 *   uint32 masked CRC-32C of those 8 bytes
 *   length bytes of payload
 *   uint32 masked CRC-32C of the payload
 * where masked(c) = ((c >> 15) | (c << 17)) + 0xa282ead8 (32-bit). Each
 * payload is an Event protocol buffer: wall_time (field 1, double) and
 * step (field 2, int64) always; file_version "brain.Event:2" (field 3) in
 * the first record; then one record per point, with a Summary (field 5)
 * holding one Value {tag (1), simple_value (2, float)}.
 *
 * What is written: every array of numbers directly in model.json's
 * training section (loss_curve, a validation curve, ...) becomes the
 * scalar series "train/KEY", point i at step i + 1 (null points, a
 * metric undefined at that step, are left out). Keys go in byte order,
 * so the file is a function of the training section and the time. All
 * events carry one wall time: SOURCE_DATE_EPOCH when set, else now (the
 * curves are recorded during the fit and written after it).
 *
 * The caller owns every argument; tfevents_write allocates nothing that
 * outlives it.
 */
#ifndef MLCI_TFEVENTS_H
#define MLCI_TFEVENTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"

/* CRC-32C (Castagnoli, reflected, as iSCSI and TFRecord use) of n bytes,
 * continuing from crc (0 to start). */
uint32_t tfevents_crc32c(uint32_t crc, const void *p, size_t n);

/* The record framing's mask of a CRC. */
uint32_t tfevents_mask(uint32_t crc);

/*
 * Write training's curves into DIR/events.out.tfevents.EPOCH.mlci-train
 * (DIR and its parents created; the file written atomically). epoch is
 * the wall time in seconds. *path gets the file's path (malloc'd; the
 * caller frees it), or NULL when nothing could be written. Returns the
 * number of points written (0: training holds no curve, and no file is
 * written), or -1 with err set: 73 the directory or file cannot be
 * created, 74 a write failed.
 */
long tfevents_write(const char *dir, const json_t *training, long long epoch,
		    char **path, struct mlci_err *err);

#endif
