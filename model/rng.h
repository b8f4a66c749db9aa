/* bsq — the project's own random generator (xoshiro256**, seeded through
 * splitmix64). Same seed, same sequence, on every platform. */
#ifndef BSQ_RNG_H
#define BSQ_RNG_H

#include <stdint.h>

typedef struct {
  uint64_t s[4];
} bsq_rng;

void bsq_rng_seed(bsq_rng *r, uint64_t seed);
uint64_t bsq_rng_next(bsq_rng *r);
double bsq_rng_uniform(bsq_rng *r);          /* [0, 1), 53 bits */
double bsq_rng_normal(bsq_rng *r);           /* N(0, 1), Box-Muller */
uint64_t bsq_rng_below(bsq_rng *r, uint64_t n); /* [0, n), unbiased */
void bsq_rng_shuffle(bsq_rng *r, int *a, int n); /* Fisher-Yates */

#endif
