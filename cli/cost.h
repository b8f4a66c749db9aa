/* bsq — the encoder's hardware cost of one model for bsq pareto, by bsq
 * synth (verify/synth.h). A file of its own: verify/ and flow/ both name
 * their log callback bsq_log_fn, so no file includes both. */
#ifndef BSQ_CLI_COST_H
#define BSQ_CLI_COST_H

#include <stddef.h>

#include "err.h"
#include "model.h"

/* iCE40 logic cells (asic 0) or ASIC cell area and its unit (asic 1) of
 * the flash quantizer bank of m, into *cells or *area (left alone when the
 * flow did not measure it). 0, BSQ_ETOOL when a tool is missing (diag says
 * which), or another library code. */
int cli_encoder_cost(const bsq_model *m, int asic, long *cells, double *area,
                     char *unit, size_t unitn, bsq_diag *diag);

#endif
