/* bsq — xoshiro256** (Blackman & Vigna), seeded with splitmix64. */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void bsq_rng_seed(bsq_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

uint64_t bsq_rng_next(bsq_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double bsq_rng_uniform(bsq_rng *r) {
  return (double)(bsq_rng_next(r) >> 11) * 0x1.0p-53;
}

double bsq_rng_normal(bsq_rng *r) {
  double u1 = 1.0 - bsq_rng_uniform(r); /* (0, 1] */
  double u2 = bsq_rng_uniform(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t bsq_rng_below(bsq_rng *r, uint64_t n) {
  if (n <= 1) return 0;
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = bsq_rng_next(r);
  while (x >= limit);
  return x % n;
}

void bsq_rng_shuffle(bsq_rng *r, int *a, int n) {
  for (int i = n - 1; i > 0; i--) {
    int j = (int)bsq_rng_below(r, (uint64_t)i + 1);
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
