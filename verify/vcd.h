/* bsq — switching activity from a value change dump: how often each net
 * of a simulated netlist toggled, for power analysis (verify/asic.c). */
#ifndef BSQ_VCD_H
#define BSQ_VCD_H

#include <stdint.h>

#include "err.h"

typedef struct {
  char name[48]; /* net name; bit k of a vector is name[k] */
  double act;    /* transitions per clock over the window */
  double duty;   /* fraction of the window at 1 */
} bsq_net_activity;

/* Parses the VCD `vcd` of the scope named "dut" (dumped at depth 1) and
 * counts, for every bit of every net but clk, its 0<->1 transitions and
 * its time at 1 inside the window [t0, t1) (ns), `cycles` clocks long.
 * Writes one line per net to `act` ("NET ACTIVITY DUTY"), and returns the
 * nets sorted by name in *out (n entries; caller frees) and the sum of
 * all toggles in *toggles. 0, BSQ_EIO, BSQ_EPARSE or BSQ_ENOMEM. */
int bsq_vcd_activity(const char *vcd, const char *act, double t0, double t1,
                     int cycles, bsq_net_activity **out, int *n,
                     uint64_t *toggles, bsq_diag *d);

/* The activity of net in na (sorted, n entries), 0 when absent (constants
 * and nets the dump does not name do not toggle). */
double bsq_net_activity_of(const bsq_net_activity *na, int n, const char *net);

#endif
