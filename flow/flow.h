/* bsq — the experiment layer (flow/): comparisons of the methods over
 * seeds, their tuning, reports and plots, on top of the model library.
 * What every part of it shares is declared here. */
#ifndef BSQ_FLOW_H
#define BSQ_FLOW_H

/* Progress of a long run: one finished line of text (with its newline),
 * for the caller to show or drop. The library never prints itself. */
typedef void (*bsq_log_fn)(const char *line, void *user);

#endif
