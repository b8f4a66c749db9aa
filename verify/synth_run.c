/* bsq — the synthesis pipeline and its report (see synth.h): designs ->
 * latency in simulation -> flows -> proof, then JSON and Markdown. */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"
#include "quant.h"
#include "stim.h"
#include "synth.h"
#include "sync.h"
#include "util.h"

void bsq_synth_cfg_default(bsq_synth_cfg *c) {
  memset(c, 0, sizeof *c);
  c->name = "bsq";
  c->want[BSQ_SYN_FLASH] = c->want[BSQ_SYN_SEARCH] = c->want[BSQ_SYN_NAIVE] = 1;
  c->want[BSQ_SYN_SERIAL] = 1;
  c->t_generic = c->t_ice40 = c->t_cmos = 1;
  c->t_asic = 2;
  bsq_asic_opts_default(&c->asic);
  c->asic_frames = 1000;
  bsq_gen_opts_default(&c->choices);
  c->seeds = 3;
}

static void add_note(bsq_synth_report *r, const char *msg) {
  if (r->nnotes < BSQ_SYNTH_MAX_NOTES)
    snprintf(r->notes[r->nnotes++], sizeof r->notes[0], "%s", msg);
}

static void say(const bsq_synth_cfg *c, bsq_log_kind kind, const char *fmt,
                ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void say(const bsq_synth_cfg *c, bsq_log_kind kind, const char *fmt,
                ...) {
  if (!c->log) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  c->log(c->log_user, kind, msg);
}

/* What a stage finds besides its figures: notes and failed checks (a
 * failed check is logged and counted; the run goes on), in the order it
 * found them. The stages run side by side (cfg->jobs) and their sinks are
 * replayed into the report in the serial order afterwards, so the report
 * and the errors logged do not depend on the number of jobs. */
enum { SINK_MAX = 24 };
typedef struct {
  int n, lost;
  struct {
    int failed;
    char msg[800];
  } ev[SINK_MAX];
} sink;

static void sink_add(sink *s, int failed, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void sink_add(sink *s, int failed, const char *fmt, ...) {
  if (s->n == SINK_MAX) {
    s->lost += failed; /* still counted */
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->ev[s->n].msg, sizeof s->ev[0].msg, fmt, ap);
  va_end(ap);
  s->ev[s->n++].failed = failed;
}

#define sink_note(s, msg) sink_add(s, 0, "%s", msg)
#define FAILED_CHECK(s, ...) sink_add(s, 1, __VA_ARGS__)

static void sink_replay(const bsq_synth_cfg *c, const sink *s,
                        bsq_synth_report *r) {
  for (int i = 0; i < s->n; i++) {
    if (!s->ev[i].failed) {
      add_note(r, s->ev[i].msg);
      continue;
    }
    say(c, BSQ_LOG_ERROR, "%s", s->ev[i].msg);
    r->nfailed++;
  }
  r->nfailed += s->lost;
}

/* First line a `prog --version`-like command prints on stdout or stderr
 * (nextpnr uses stderr), or "" when it cannot run. */
static void tool_version(char *out, size_t cap, char *const argv[],
                         const char *work) {
  char path[4096];
  out[0] = '\0';
  if (bsq_pathf(path, sizeof path, "%s/%s.version", work, argv[0])) return;
  remove(path);
  if (bsq_run(argv, NULL, path, path) != 0) return;
  FILE *fp = fopen(path, "r");
  if (!fp) return;
  char line[512];
  if (fgets(line, sizeof line, fp))
    snprintf(out, cap, "%.*s", (int)strcspn(line, "\r\n"), line);
  fclose(fp);
}

static void arch_unmeasured(bsq_synth_arch *a) {
  memset(a, 0, sizeof *a);
  a->latency_sim = -1;
  a->samples_per_frame = 1;
  a->cells_generic = a->luts = a->carry_cells = a->dffs = a->logic_cells = -1;
  a->brams = -1;
  a->transistors = -1;
  a->fmax_mhz = -1;
  a->freq_mhz = -1;
  a->slack_ns = -1e9;
  a->equivalent = -1;
  a->asic.gate_level_check = -1;
  snprintf(a->cells_by_type, sizeof a->cells_by_type, "{}");
}

/* Latency of bank a in simulation, against the design's. *missing: iverilog
 * is not there (then nothing else is said). */
static int run_latency(const bsq_synth_cfg *c, const bsq_model *m,
                       const char *rtl, bsq_synth_report *r, int a, sink *s,
                       int *missing, bsq_diag *diag) {
  bsq_synth_arch *x = &r->r[a];
  *missing = 0;
  say(c, BSQ_LOG_PROGRESS, "%s: latency in simulation",
      bsq_synth_arch_name(a));
  bsq_diag d = {{0}};
  int rc = bsq_synth_latency_sim(m, rtl, c->work, c->name, a, &x->latency_sim,
                                 &d);
  if (rc == BSQ_ETOOL && strstr(d.msg, "not found")) {
    *missing = 1;
    return BSQ_OK;
  }
  if (rc == BSQ_EMISMATCH) {
    FAILED_CHECK(s, "%s", d.msg);
    return BSQ_OK;
  }
  if (rc) return bsq_diag_set(diag, rc, "%s", d.msg);
  if (x->latency_sim != x->latency)
    FAILED_CHECK(s, "%s: the design says latency %d, simulation measures %d",
                 bsq_synth_arch_name(a), x->latency, x->latency_sim);
  return BSQ_OK;
}

/* nextpnr's target clock: --clock-mhz, else BSQ_ICE40_DEFAULT_MHZ. */
static double ice40_freq(const bsq_synth_cfg *c) {
  return c->asic.clock_mhz > 0 ? c->asic.clock_mhz : BSQ_ICE40_DEFAULT_MHZ;
}

/* The generic, ice40 and cmos flows of the bank (enc 0) or the whole
 * encoder (enc 1) of architecture a. */
static int run_flows(const bsq_synth_cfg *c, const char *rtl,
                     bsq_synth_report *r, int a, int enc, sink *s,
                     bsq_diag *diag) {
  bsq_synth_arch *x = enc ? &r->e[a] : &r->r[a];
  int unit = !enc ? BSQ_UNIT_BANK
             : r->enc_io > BSQ_ICE40_IO ? BSQ_UNIT_ENC_IO : BSQ_UNIT_ENC;
  char an[48];
  snprintf(an, sizeof an, "%s%s", bsq_synth_arch_name(a),
           enc ? " encoder" : "");
  bsq_diag d = {{0}};
  int rc = BSQ_OK;
  if (c->t_generic) {
    say(c, BSQ_LOG_PROGRESS, "%s: yosys synth", an);
    rc = bsq_synth_generic(rtl, c->work, c->name, a,
                           enc ? BSQ_UNIT_ENC : BSQ_UNIT_BANK, x, &d);
  }
  if (rc == BSQ_OK && c->t_ice40) {
    say(c, BSQ_LOG_PROGRESS, "%s: %s", an,
        r->nextpnr_ver[0] ? "synth_ice40 + nextpnr-ice40" : "synth_ice40");
    char note[700] = "";
    rc = bsq_synth_ice40(rtl, c->work, c->name, a, unit,
                         r->nextpnr_ver[0] ? c->seeds : 0, ice40_freq(c), x,
                         note, sizeof note, &d);
    if (rc == BSQ_OK && note[0]) sink_note(s, note);
  }
  if (rc == BSQ_OK && c->t_cmos) {
    say(c, BSQ_LOG_PROGRESS, "%s: abc -g cmos2", an);
    rc = bsq_synth_cmos(rtl, c->work, c->name, a,
                        enc ? BSQ_UNIT_ENC : BSQ_UNIT_BANK, x, &d);
  }
  if (rc) return bsq_diag_set(diag, rc, "%s: %s", an, d.msg);
  return BSQ_OK;
}

/* The frames of the gate-level check: the model's own data set rows (as
 * `bsq sim` drives them), or random frames when the data set cannot be
 * rebuilt; codes and the C model's levels, (n, F) each. */
static int asic_frames(const bsq_synth_cfg *c, const bsq_model *m,
                       bsq_synth_report *r, sink *s, int64_t **codes,
                       uint8_t **lv, int *n, bsq_diag *diag) {
  bsq_stim st;
  bsq_stim_opts so = {0};
  /* a few random frames first, so that the build succeeds without data */
  so.random_frames = 16;
  so.data_frames = (uint64_t)c->asic_frames;
  so.seed = 1;
  int rc = bsq_stim_build(&st, m, &so, diag);
  if (rc) return rc;
  size_t F = (size_t)m->F;
  uint64_t first = st.n_random; /* the data section follows */
  if (st.n_data < (uint64_t)c->asic_frames / 2 || st.n_data < 16) {
    char note[700];
    snprintf(note, sizeof note, "asic: energy measured on %d random frames, "
                                "not the model's data (%s)",
             c->asic_frames, st.note[0] ? st.note : "too few data rows");
    sink_note(s, note);
    bsq_stim_free(&st);
    so.data_frames = 0;
    so.random_frames = (uint64_t)c->asic_frames;
    if ((rc = bsq_stim_build(&st, m, &so, diag))) return rc;
    first = 0;
  }
  r->asic_data_frames = (int)st.n_data;
  *n = (int)(st.n - first);
  r->asic_frames = *n;
  *codes = malloc((size_t)*n * F * sizeof **codes);
  if (*codes)
    memcpy(*codes, st.codes + first * F, (size_t)*n * F * sizeof **codes);
  bsq_stim_free(&st);
  if (!*codes) return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  *lv = malloc((size_t)*n * F);
  if (!*lv) {
    free(*codes);
    *codes = NULL;
    return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  }
  for (int i = 0; i < *n; i++)
    bsq_encoder_levels(&m->enc, *codes + (size_t)i * F, *lv + (size_t)i * F);
  return BSQ_OK;
}

/* The whole encoder's gate-level check and energy: the beats and the words
 * the C model gives for the frames (bsq gen's default word width and mode,
 * as the encoder was written). A wrong word is a failed check. */
static int encoder_gate_level(const bsq_synth_cfg *c, const bsq_model *m,
                              const bsq_synth_report *r, const char *work,
                              int a, int n, const int64_t *codes,
                              bsq_synth_asic_result *x, sink *s,
                              bsq_diag *diag) {
  const bsq_encoder *e = &m->enc;
  int tb = bsq_tdata_bytes(e), fb = bsq_frame_bytes(e), K = r->enc_K;
  int sync = c->choices.sync;
  int maxw = bsq_framer_max_words(e->B, K);
  uint8_t *tdata = calloc((size_t)n, (size_t)tb);
  uint64_t *words = malloc(sizeof *words * ((size_t)n * (size_t)maxw + 1));
  uint8_t *lv = malloc((size_t)m->F), *fr = malloc((size_t)fb);
  uint8_t *tl = malloc((size_t)maxw);
  int rc = BSQ_OK, nw = 0;
  if (!tdata || !words || !lv || !fr || !tl) {
    rc = bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
    goto done;
  }
  bsq_mode mode = r->enc_aligned ? BSQ_MODE_ALIGNED : BSQ_MODE_CONTINUOUS;
  bsq_packer pk;
  bsq_framer fm; /* with --sync: markers from reset on, no flush */
  bsq_packer_init(&pk, e->B, K, mode);
  bsq_framer_init(&fm, e->B, K, mode, sync ? sync : 1);
  if (sync) nw += bsq_framer_reset(&fm, words, tl);
  for (int i = 0; i < n; i++) {
    const int64_t *cd = codes + (size_t)i * (size_t)m->F;
    bsq_tdata_pack(e, cd, tdata + (size_t)i * (size_t)tb);
    if (sync) {
      bsq_encoder_levels(e, cd, lv);
      bsq_frame_pack(e, lv, fr);
      nw += bsq_framer_push(&fm, fr, 0, words + nw, tl);
    } else {
      nw += bsq_encode_push(e, &pk, cd, lv, fr, words + nw, tl);
    }
  }
  bsq_diag d = {{0}};
  rc = bsq_asic_encoder_check_and_power(work, c->name, a, &c->asic,
                                        bsq_tdata_bits(e), K, sync != 0, n,
                                        tdata, nw, words, x, &d);
  if (rc == BSQ_EMISMATCH) {
    FAILED_CHECK(s, "%s", d.msg);
    rc = BSQ_OK;
  } else if (rc) {
    rc = bsq_diag_set(diag, rc, "%s encoder: %s", bsq_synth_arch_name(a), d.msg);
  }
done:
  free(tdata);
  free(words);
  free(lv);
  free(fr);
  free(tl);
  return rc;
}

/* Liberty mapping, timing, gate-level check and energy of every bank. A
 * gate-level mismatch is a failed check (named by architecture, frame and
 * feature); the others go on. */
static int run_asic(const bsq_synth_cfg *c, const bsq_model *m,
                    const char *rtl, bsq_synth_report *r, sink *s,
                    bsq_diag *diag) {
  bsq_diag d = {{0}};
  int rc = bsq_asic_check_tools(&c->asic, r->sta_ver, sizeof r->sta_ver, &d);
  if (rc == BSQ_ETOOL && c->t_asic == 2) {
    char note[700];
    snprintf(note, sizeof note, "asic target skipped: %s", d.msg);
    sink_note(s, note);
    return BSQ_OK;
  }
  if (rc) return bsq_diag_set(diag, rc, "%s", d.msg);
  char work[4096];
  if (bsq_pathf(work, sizeof work, "%s/asic", c->work))
    return bsq_diag_set(diag, BSQ_EINVAL, "%s: path too long", c->work);
  int64_t *codes = NULL;
  uint8_t *lv = NULL;
  int n = 0, width[BSQ_MAX_FEATURES];
  if ((rc = asic_frames(c, m, r, s, &codes, &lv, &n, diag))) return rc;
  for (int f = 0; f < m->F; f++) width[f] = m->enc.fmt[f].width;
  r->t_asic = 1;
  snprintf(r->liberty, sizeof r->liberty, "%s",
           c->asic.liberty ? c->asic.liberty : BSQ_ASIC_DEFAULT_LIBERTY);
  for (int a = 0; a < BSQ_SYN_NARCH && rc == BSQ_OK; a++) {
    bsq_synth_arch *x = &r->r[a];
    if (!x->present) continue;
    const char *an = bsq_synth_arch_name(a);
    say(c, BSQ_LOG_PROGRESS, "%s: liberty mapping and OpenSTA timing", an);
    rc = bsq_synth_asic(rtl, work, c->name, a, &c->asic, &x->asic, &d);
    if (rc) {
      rc = bsq_diag_set(diag, rc, "%s: %s", an, d.msg);
      break;
    }
    x->asic_mapped = 1;
    snprintf(r->liberty_name, sizeof r->liberty_name, "%s",
             x->asic.liberty_name);
    snprintf(r->area_unit, sizeof r->area_unit, "%s", x->asic.area_unit);
    if (a != BSQ_SYN_SERIAL || !r->clock_mhz) r->clock_mhz = x->asic.clock_mhz;
    r->in_delay_ns = x->asic.in_delay_ns;
    r->out_delay_ns = x->asic.out_delay_ns;
    say(c, BSQ_LOG_PROGRESS, "%s: gate-level check and power, %d frames", an,
        n);
    rc = bsq_asic_gate_check_and_power(work, c->name, a, &c->asic, m->F,
                                       width, m->enc.bits, n, codes, lv,
                                       &x->asic, &d);
    r->frame_rate_hz = x->asic.frame_rate_hz;
    if (a != BSQ_SYN_SERIAL || !r->power_clock_mhz)
      r->power_clock_mhz = x->asic.power_clock_mhz;
    if (rc == BSQ_EMISMATCH) {
      FAILED_CHECK(s, "%s", d.msg);
      rc = BSQ_OK;
    } else if (rc) {
      rc = bsq_diag_set(diag, rc, "%s: %s", an, d.msg);
    }
    bsq_synth_arch *e = &r->e[a];
    if (rc == BSQ_OK && e->present) {
      say(c, BSQ_LOG_PROGRESS, "%s encoder: liberty mapping and OpenSTA "
                               "timing", an);
      rc = bsq_synth_asic_unit(rtl, work, c->name, a, BSQ_UNIT_ENC, &c->asic,
                               &e->asic, &d);
      if (rc) rc = bsq_diag_set(diag, rc, "%s encoder: %s", an, d.msg);
      else e->asic_mapped = 1;
      if (rc == BSQ_OK) {
        say(c, BSQ_LOG_PROGRESS, "%s encoder: gate-level check and power, %d "
                                 "frames", an, n);
        rc = encoder_gate_level(c, m, r, work, a, n, codes, &e->asic, s, diag);
      }
    }
  }
  free(codes);
  free(lv);
  return rc;
}

static int run_proof(const bsq_synth_cfg *c, const bsq_model *m,
                     const bsq_design *d, const char *rtl,
                     bsq_synth_report *r, sink *s, bsq_diag *diag) {
  int present[BSQ_SYN_NARCH], lat[BSQ_SYN_NARCH];
  for (int a = 0; a < BSQ_SYN_NARCH; a++) {
    present[a] = r->r[a].present && a != BSQ_SYN_SERIAL; /* by simulation */
    lat[a] = r->r[a].latency;
  }
  int *eq = calloc((size_t)(BSQ_SYN_NARCH * m->F), sizeof *eq);
  if (!eq) return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  say(c, BSQ_LOG_PROGRESS, "proving search and naive equal to flash");
  int rc = bsq_synth_prove(d, rtl, c->work, c->name, present, lat, eq, diag);
  if (rc) {
    free(eq);
    return rc;
  }
  r->proved = 1;
  r->all_eq = 1;
  r->r[BSQ_SYN_FLASH].equivalent = 1;
  for (int a = 1; a < BSQ_SYN_NARCH; a++) {
    if (!present[a]) continue;
    r->r[a].equivalent = 1;
    for (int f = 0; f < m->F; f++)
      if (eq[a * m->F + f] != 1) {
        r->r[a].equivalent = 0;
        if (a == BSQ_SYN_SEARCH) r->r[BSQ_SYN_FLASH].equivalent = 0;
        r->all_eq = 0;
        FAILED_CHECK(s, "proof FAILED: feature %d \"%s\": %s and flash "
                           "compute different levels for some input code",
                     f, m->names ? m->names[f] : "", bsq_synth_arch_name(a));
      }
  }
  free(eq);
  return BSQ_OK;
}

/* --arch auto: the target's area figure and Fmax of architecture x (the
 * most specific target that ran: asic, ice40, cmos, generic), or -1. */
static double area_of(const bsq_synth_arch *x, const char **unit) {
  if (x->asic_mapped) return *unit = "um^2 (asic)", x->asic.area;
  if (x->logic_cells >= 0) return *unit = "iCE40 logic cells", (double)x->logic_cells;
  if (x->transistors >= 0) return *unit = "transistors (cmos)", (double)x->transistors;
  if (x->cells_generic >= 0) return *unit = "generic cells", (double)x->cells_generic;
  return *unit = "", -1;
}

static double fmax_of(const bsq_synth_arch *x, const char **src) {
  if (x->asic_mapped && x->asic.fmax_mhz_sta > 0)
    return *src = "OpenSTA", x->asic.fmax_mhz_sta;
  if (x->fmax_mhz > 0) return *src = "nextpnr-ice40", x->fmax_mhz;
  return *src = "", -1;
}

static void pick_arch(const bsq_synth_cfg *c, bsq_synth_report *r) {
  static const int cand[] = {BSQ_SYN_FLASH, BSQ_SYN_SEARCH, BSQ_SYN_SERIAL};
  double rate = c->asic.frame_rate_hz > 0 ? c->asic.frame_rate_hz : 1e6;
  double clk = c->asic.clock_mhz;
  int best = -1;
  double best_area = 0;
  const char *unit = "";
  bsq_buf b;
  bsq_buf_init(&b);
  for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
    const bsq_synth_arch *x = &r->r[cand[i]];
    if (!x->present) continue;
    const char *u, *src;
    double area = area_of(x, &u), fmax = fmax_of(x, &src);
    double need = rate * x->samples_per_frame / 1e6; /* MHz */
    int meets = clk > 0 ? need <= clk * (1 + 1e-12) && (fmax < 0 || clk <= fmax)
                        : fmax < 0 || need <= fmax;
    bsq_buf_printf(&b, "%s%s %.0f %s, needs %.6g MHz", b.len ? "; " : "",
                   bsq_synth_arch_name(cand[i]), area, u, need);
    if (fmax > 0) bsq_buf_printf(&b, ", Fmax %.1f MHz (%s)", fmax, src);
    else bsq_buf_printf(&b, ", no Fmax on this target");
    bsq_buf_printf(&b, meets ? ": meets" : ": does not meet");
    if (meets && area >= 0 && (best < 0 || area < best_area)) {
      best = cand[i];
      best_area = area;
      unit = u;
    }
  }
  char *why = bsq_buf_finish(&b);
  r->picked = best;
  char at[64] = "";
  if (clk > 0) snprintf(at, sizeof at, " at %.6g MHz", clk);
  if (best >= 0)
    snprintf(r->pick_why, sizeof r->pick_why,
             "auto: %s, the smallest (%.0f %s) that meets %g frames/s%s (%s)",
             bsq_synth_arch_name(best), best_area, unit, rate, at,
             why ? why : "");
  else
    snprintf(r->pick_why, sizeof r->pick_why,
             "auto: no architecture meets %g frames/s%s (%s)", rate, at,
             why ? why : "");
  free(why);
  add_note(r, r->pick_why);
}

/* ---- the stages, side by side -------------------------------------------- */

/* One stage of one bank (or of all, for asic and proof), in the order the
 * serial pipeline runs them: the latencies, the flows, asic, the proof.
 * Each writes only its own figures, and its notes into its sink. */
typedef enum { ST_LATENCY, ST_FLOWS, ST_ENC_FLOWS, ST_ASIC, ST_PROOF }
    stage_kind;

typedef struct {
  stage_kind kind;
  int arch;
  int rc, missing;
  bsq_diag diag;
  sink out;
} stage;

typedef struct {
  const bsq_synth_cfg *c;
  const bsq_model *m;
  const bsq_design *d;
  const char *rtl;
  bsq_synth_report *r;
  stage *st;
} stage_ctx;

static void stage_run(int i, void *ctx) {
  stage_ctx *x = ctx;
  stage *s = &x->st[i];
  switch (s->kind) {
  case ST_LATENCY:
    s->rc = run_latency(x->c, x->m, x->rtl, x->r, s->arch, &s->out,
                        &s->missing, &s->diag);
    break;
  case ST_FLOWS:
    s->rc = run_flows(x->c, x->rtl, x->r, s->arch, 0, &s->out, &s->diag);
    break;
  case ST_ENC_FLOWS:
    s->rc = run_flows(x->c, x->rtl, x->r, s->arch, 1, &s->out, &s->diag);
    break;
  case ST_ASIC:
    s->rc = run_asic(x->c, x->m, x->rtl, x->r, &s->out, &s->diag);
    break;
  case ST_PROOF:
    s->rc = run_proof(x->c, x->m, x->d, x->rtl, x->r, &s->out, &s->diag);
    break;
  }
}

/* Runs every stage on up to c->jobs threads (each stage is one or a few
 * tool runs, so a thread is a core busy with a tool), then replays what
 * they found in the serial order: the first stage that stopped with an
 * error is the run's error, as when they ran one after another. */
static int run_stages(const bsq_synth_cfg *c, const bsq_model *m,
                      const bsq_design *d, const char *rtl,
                      bsq_synth_report *r, bsq_diag *diag) {
  stage st[3 * BSQ_SYN_NARCH + 2];
  int n = 0;
  for (int a = 0; a < BSQ_SYN_NARCH; a++)
    if (r->r[a].present) st[n++] = (stage){.kind = ST_LATENCY, .arch = a};
  for (int a = 0; a < BSQ_SYN_NARCH; a++)
    if (r->r[a].present) st[n++] = (stage){.kind = ST_FLOWS, .arch = a};
  int flows = c->t_generic || c->t_ice40 || c->t_cmos;
  for (int a = 0; a < BSQ_SYN_NARCH && flows; a++)
    if (r->e[a].present) st[n++] = (stage){.kind = ST_ENC_FLOWS, .arch = a};
  if (c->t_asic && r->yosys_ver[0]) st[n++] = (stage){.kind = ST_ASIC};
  if (c->prove) st[n++] = (stage){.kind = ST_PROOF};
  stage_ctx ctx = {c, m, d, rtl, r, st};
  int jobs = c->jobs > 0 ? c->jobs : bsq_pool_default_threads();
  if (jobs > n) jobs = n;
  if (n && bsq_pool_jobs(n, jobs < 1 ? 1 : jobs, stage_run, NULL, &ctx))
    return bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  int missing = 0;
  for (int i = 0; i < n; i++) {
    if (st[i].kind == ST_LATENCY && missing) continue;
    if (st[i].rc) return bsq_diag_set(diag, st[i].rc, "%s", st[i].diag.msg);
    if (st[i].missing) {
      /* as the serial run: said once, the other banks not simulated */
      missing = 1;
      add_note(r, "iverilog not found in PATH: latency not cross-checked in "
                  "simulation");
      continue;
    }
    sink_replay(c, &st[i].out, r);
  }
  return BSQ_OK;
}

int bsq_synth_run(const bsq_synth_cfg *c, const bsq_model *m,
                  bsq_synth_report *r, bsq_diag *diag) {
  memset(r, 0, sizeof *r);
  r->picked = -1;
  r->t_generic = c->t_generic;
  r->t_ice40 = c->t_ice40;
  r->t_cmos = c->t_cmos;
  r->seeds = c->seeds;
  for (int a = 0; a < BSQ_SYN_NARCH; a++) {
    arch_unmeasured(&r->r[a]);
    arch_unmeasured(&r->e[a]);
  }
  if (!c->work || !c->name)
    return bsq_diag_set(diag, BSQ_EINVAL, "synthesis needs a work directory "
                                          "and a module prefix");
  if (c->prove && !(c->want[BSQ_SYN_FLASH] && c->want[BSQ_SYN_SEARCH]))
    return bsq_diag_set(diag, BSQ_EINVAL, "the proof compares flash and "
                                          "search: it needs both");
  bsq_design d;
  bsq_gen_opts go;
  bsq_gen_opts_default(&go);
  int rc = bsq_design_build(&d, m, &go, diag);
  if (rc) return rc;
  snprintf(r->model_hash, sizeof r->model_hash, "%s", d.hash_hex);
  r->F = m->F;
  r->in_bits = d.in_bits;
  r->B = d.B;
  /* the whole encoders: `bsq gen`'s defaults; ports: codes, the word and
   * clk, rst_n, two valids, two readies and tlast */
  r->enc_K = d.K;
  r->enc_aligned = d.opt.mode == BSQ_MODE_ALIGNED;
  r->enc_io = d.in_bits + d.K + 7 + (c->choices.sync ? 1 : 0); /* tuser */
  char *yv[] = {"yosys", "-V", NULL};
  char *nv[] = {"nextpnr-ice40", "--version", NULL};
  tool_version(r->yosys_ver, sizeof r->yosys_ver, yv, c->work);
  tool_version(r->nextpnr_ver, sizeof r->nextpnr_ver, nv, c->work);
  if (!r->yosys_ver[0] &&
      (c->t_generic || c->t_ice40 || c->t_cmos || c->t_asic == 1 || c->prove)) {
    rc = bsq_tool_missing(diag, "yosys");
    goto done;
  }
  if (c->t_ice40 && !r->nextpnr_ver[0])
    add_note(r, "nextpnr-ice40 not found in PATH: ice40 place and route "
                "skipped, so no logic cells or Fmax; the Yosys ice40 cell "
                "counts are reported (Debian package nextpnr-ice40)");
  const char *rtl = c->rtl_dir ? c->rtl_dir : c->work;
  if (!c->rtl_dir) {
    char mp[4096];
    bsq_pathf(mp, sizeof mp, "%s/model.json", c->work);
    if ((rc = bsq_synth_write_rtl(m, c->name, c->want, &c->choices, c->work,
                                   diag)) ||
        (c->packer_v &&
         (rc = bsq_synth_write_encoders(m, c->name, c->want, &c->choices,
                                        c->packer_v, c->work, diag))) ||
        (rc = bsq_model_save(m, mp, diag)))
      goto done;
    r->generated = 1;
    r->pipeline = c->choices.pipeline;
    r->datapath_reset = c->choices.datapath_reset;
    r->sync = c->choices.sync;
  }
  for (int a = 0; a < BSQ_SYN_NARCH; a++) {
    if (!c->want[a]) continue;
    if ((rc = bsq_synth_read_bank(rtl, c->name, a, &r->r[a].latency, diag)))
      goto done;
    r->r[a].present = 1;
    r->r[a].samples_per_frame = bsq_synth_read_bank_spf(rtl, c->name, a);
    if (a == BSQ_SYN_FLASH || a == BSQ_SYN_SEARCH) {
      /* the encoder when its files are there (a kept directory may have
       * been written without them) */
      char fe[4096], fp[4096];
      bsq_pathf(fe, sizeof fe, "%s/%s_%s_encoder.v", rtl, c->name,
                bsq_synth_arch_name(a));
      bsq_pathf(fp, sizeof fp, "%s/bsq_packer.v", rtl);
      r->e[a].present = access(fe, R_OK) == 0 && access(fp, R_OK) == 0;
      r->e[a].latency = r->r[a].latency;
    }
  }
  if ((rc = run_stages(c, m, &d, rtl, r, diag))) goto done;
  if (c->pick) pick_arch(c, r);
  if (r->nfailed)
    rc = bsq_diag_set(diag, BSQ_EMISMATCH, "%d check%s failed", r->nfailed,
                      r->nfailed == 1 ? "" : "s");
done:
  bsq_design_free(&d);
  return rc;
}

/* ---- report --------------------------------------------------------------- */

static void add_num(cJSON *o, const char *k, double v, int valid) {
  if (valid) cJSON_AddNumberToObject(o, k, v);
  else cJSON_AddNullToObject(o, k);
}

static double ratio(double a, double b) { return a >= 0 && b > 0 ? a / b : -1; }

typedef struct {
  const char *key, *label;
  int dbl;        /* a double figure (fmax) */
  size_t off;     /* offsetof into bsq_synth_arch */
} metric;

#define M_LONG(k, l, field) {k, l, 0, offsetof(bsq_synth_arch, field)}
static const metric METRICS[] = {
    M_LONG("logic_cells", "iCE40 logic cells (LC)", logic_cells),
    M_LONG("carry_cells", "iCE40 carry cells (SB_CARRY)", carry_cells),
    M_LONG("dffs", "iCE40 flip-flops", dffs),
    M_LONG("luts", "iCE40 LUT4s", luts),
    M_LONG("brams", "iCE40 block RAMs", brams),
    {"fmax_mhz", "Fmax, MHz (median of seeds)", 1,
     offsetof(bsq_synth_arch, fmax_mhz)},
    M_LONG("cells_generic", "generic cells (yosys synth)", cells_generic),
    M_LONG("transistors", "transistors (abc -g cmos2)", transistors),
};
#define NMETRICS ((int)(sizeof METRICS / sizeof METRICS[0]))

static double metric_value(const bsq_synth_arch *r, const metric *m) {
  const char *p = (const char *)r + m->off;
  if (m->dbl) return *(const double *)(const void *)p;
  return (double)*(const long *)(const void *)p;
}

/* nextpnr's target and the slack at it (ice40 place and route ran). */
static void timing_json(cJSON *o, const bsq_synth_arch *r) {
  add_num(o, "freq_mhz", r->freq_mhz, r->nseeds > 0);
  add_num(o, "slack_ns", round(r->slack_ns * 1000) / 1000, r->nseeds > 0);
}

static void asic_json(cJSON *o, const bsq_synth_asic_result *x,
                      const bsq_synth_asic_result *nv);

/* The whole encoder of one architecture: the flows' figures, and each
 * over the bank's. */
static void encoder_json(cJSON *o, const bsq_synth_arch *e,
                         const bsq_synth_arch *bank) {
  for (int k = 0; k < NMETRICS; k++) {
    double v = metric_value(e, &METRICS[k]);
    add_num(o, METRICS[k].key, v, v >= 0);
  }
  if (e->nseeds > 0) {
    cJSON *fs = cJSON_AddArrayToObject(o, "fmax_mhz_seeds");
    for (int s = 0; s < e->nseeds; s++)
      cJSON_AddItemToArray(fs, cJSON_CreateNumber(e->fmax_seed[s]));
  }
  timing_json(o, e);
  cJSON_AddBoolToObject(o, "io_wrapped", e->io_wrapped);
  cJSON *by = cJSON_Parse(e->cells_by_type[0] ? e->cells_by_type : "{}");
  cJSON_AddItemToObject(o, "cells_by_type", by ? by : cJSON_CreateObject());
  cJSON *ro = cJSON_AddObjectToObject(o, "ratio_to_bank");
  for (int k = 0; k < NMETRICS; k++) {
    double q = ratio(metric_value(e, &METRICS[k]),
                     metric_value(bank, &METRICS[k]));
    add_num(ro, METRICS[k].key, round(q * 1000) / 1000, q >= 0);
  }
  if (!e->asic_mapped) return;
  /* asic: mapping and timing (no gate-level check or power) */
  const bsq_synth_asic_result *x = &e->asic, *bx = &bank->asic;
  cJSON *a = cJSON_AddObjectToObject(o, "asic");
  asic_json(a, x, NULL);
  add_num(a, "cycles_per_frame", x->cycles_per_frame, x->gate_level_check == 1);
  if (!bank->asic_mapped) return;
  cJSON *ar = cJSON_AddObjectToObject(a, "ratio_to_bank");
  int sim = x->gate_level_check == 1 && bx->gate_level_check == 1;
  const double q[][2] = {{x->area, bx->area},
                         {x->cells, bx->cells},
                         {x->dffs, bx->dffs},
                         {x->critical_path_ns, bx->critical_path_ns},
                         {sim ? x->energy_pj_per_frame : -1, bx->energy_pj_per_frame}};
  const char *qk[] = {"area", "cells", "dffs", "critical_path_ns",
                      "energy_pj_per_frame"};
  for (int k = 0; k < 5; k++) {
    double v = ratio(q[k][0], q[k][1]);
    add_num(ar, qk[k], round(v * 1000) / 1000, v >= 0);
  }
}

/* The asic figures of one bank, with ratios to naive's (nv NULL: none). */
static void asic_json(cJSON *o, const bsq_synth_asic_result *x,
                      const bsq_synth_asic_result *nv) {
  cJSON_AddNumberToObject(o, "area", x->area);
  cJSON_AddStringToObject(o, "area_unit", x->area_unit);
  cJSON_AddNumberToObject(o, "cells", x->cells);
  cJSON_AddNumberToObject(o, "dffs", x->dffs);
  cJSON *by = cJSON_AddObjectToObject(o, "cells_by_type");
  cJSON *dby = cJSON_AddObjectToObject(o, "dffs_by_type");
  for (int k = 0; k < x->ntypes; k++) {
    cJSON_AddNumberToObject(by, x->type[k].name, x->type[k].count);
    if (x->type[k].sequential)
      cJSON_AddNumberToObject(dby, x->type[k].name, x->type[k].count);
  }
  cJSON_AddNumberToObject(o, "latency_cycles", x->latency);
  if (x->buffered) {
    cJSON *cs = cJSON_AddObjectToObject(o, "abc_constraints");
    cJSON_AddStringToObject(cs, "driving_cell", x->drive_cell);
    cJSON_AddNumberToObject(cs, "load", x->load);
  } else {
    cJSON_AddNullToObject(o, "abc_constraints");
  }
  cJSON_AddNumberToObject(o, "clock_mhz", x->clock_mhz);
  cJSON_AddNumberToObject(o, "power_clock_mhz", x->power_clock_mhz);
  /* STA prints 4 digits: period - slack would show float noise */
  add_num(o, "critical_path_ns", round(x->critical_path_ns * 1e4) / 1e4,
          x->critical_path_ns > 0);
  cJSON_AddBoolToObject(o, "critical_path_reg2reg", x->critical_path_reg2reg);
  add_num(o, "fmax_mhz_sta", x->fmax_mhz_sta, x->fmax_mhz_sta > 0);
  cJSON_AddStringToObject(o, "critical_path_from", x->path_start);
  cJSON_AddStringToObject(o, "critical_path_to", x->path_end);
  cJSON_AddNumberToObject(o, "slack_ns", x->slack_ns);
  int sim = x->gate_level_check == 1;
  cJSON *pw = cJSON_AddObjectToObject(o, "power_uw");
  add_num(pw, "internal", x->p_internal_uw, sim);
  add_num(pw, "switching", x->p_switching_uw, sim);
  add_num(pw, "leakage", x->p_leakage_uw, sim);
  add_num(pw, "total", x->p_total_uw, sim);
  add_num(o, "energy_pj_per_frame", x->energy_pj_per_frame, sim);
  add_num(o, "leakage_pj_per_frame", x->leakage_pj_per_frame, sim);
  if (x->gate_level_check < 0) cJSON_AddNullToObject(o, "gate_level_check");
  else cJSON_AddBoolToObject(o, "gate_level_check", sim);
  cJSON_AddNumberToObject(o, "gate_level_frames", x->gate_frames);
  if (x->gate_level_check == 0) {
    cJSON *mm = cJSON_AddObjectToObject(o, "gate_level_mismatch");
    cJSON_AddNumberToObject(mm, "frame", x->mismatch_frame);
    cJSON_AddNumberToObject(mm, "feature", x->mismatch_feature);
  }
  cJSON_AddNumberToObject(o, "activity_window_cycles", x->window_cycles);
  cJSON_AddNumberToObject(o, "nets_annotated", x->nets_annotated);
  if (!nv) return;
  cJSON *ro = cJSON_AddObjectToObject(o, "ratio_to_naive");
  const double q[][2] = {{x->area, nv->area},
                         {x->dffs, nv->dffs},
                         {x->critical_path_ns, nv->critical_path_ns},
                         {x->energy_pj_per_frame, nv->energy_pj_per_frame},
                         {x->leakage_pj_per_frame, nv->leakage_pj_per_frame}};
  const char *const key[] = {"area", "dffs", "critical_path_ns",
                             "energy_pj_per_frame", "leakage_pj_per_frame"};
  for (int k = 0; k < 5; k++) {
    double v = k >= 3 && !(sim && nv->gate_level_check == 1)
                   ? -1
                   : ratio(q[k][0], q[k][1]);
    add_num(ro, key[k], round(v * 1000) / 1000, v >= 0);
  }
}

char *bsq_synth_report_json(const bsq_synth_report *j) {
  cJSON *root = cJSON_CreateObject();
  if (!root) return NULL;
  cJSON_AddStringToObject(root, "model", j->model_hash);
  cJSON_AddNumberToObject(root, "features", j->F);
  cJSON_AddNumberToObject(root, "in_bits", j->in_bits);
  cJSON_AddNumberToObject(root, "frame_bits", j->B);
  cJSON_AddStringToObject(root, "unit",
                          "quantizer bank: codes registered -> quantizers -> "
                          "levels registered");
  cJSON_AddFalseToObject(root, "packer_included");
  int any_enc = 0;
  for (int a = 0; a < BSQ_SYN_NARCH; a++) any_enc |= j->e[a].present;
  if (any_enc) {
    cJSON *eu = cJSON_AddObjectToObject(root, "encoder_unit");
    cJSON_AddStringToObject(eu, "what",
                            "NAME_<arch>_encoder as bsq gen writes it: input "
                            "register, quantizers, packer, AXI4-Stream "
                            "handshake");
    cJSON_AddNumberToObject(eu, "word_bits", j->enc_K);
    cJSON_AddStringToObject(eu, "mode",
                            j->enc_aligned ? "aligned" : "continuous");
    cJSON_AddNumberToObject(eu, "ports", j->enc_io);
    cJSON_AddBoolToObject(eu, "io_wrapper", j->enc_io > BSQ_ICE40_IO);
  }
  cJSON *tg = cJSON_AddArrayToObject(root, "targets");
  if (j->t_generic) cJSON_AddItemToArray(tg, cJSON_CreateString("generic"));
  if (j->t_ice40) cJSON_AddItemToArray(tg, cJSON_CreateString("ice40"));
  if (j->t_cmos) cJSON_AddItemToArray(tg, cJSON_CreateString("cmos"));
  if (j->t_asic) cJSON_AddItemToArray(tg, cJSON_CreateString("asic"));
  cJSON *tools = cJSON_AddObjectToObject(root, "tools");
  cJSON_AddStringToObject(tools, "yosys", j->yosys_ver);
  if (j->t_asic) cJSON_AddStringToObject(tools, "sta", j->sta_ver);
  if (j->nextpnr_ver[0]) cJSON_AddStringToObject(tools, "nextpnr", j->nextpnr_ver);
  else cJSON_AddNullToObject(tools, "nextpnr");
  if (j->t_ice40) {
    cJSON *ice = cJSON_AddObjectToObject(root, "ice40");
    cJSON_AddStringToObject(ice, "device", "hx8k");
    cJSON_AddStringToObject(ice, "package", "ct256");
    cJSON_AddNumberToObject(ice, "seeds", j->seeds);
  }
  if (j->generated) {
    cJSON *ch = cJSON_AddObjectToObject(root, "rtl_choices");
    cJSON_AddNumberToObject(ch, "pipeline", j->pipeline);
    cJSON_AddBoolToObject(ch, "datapath_reset", j->datapath_reset);
    cJSON_AddNumberToObject(ch, "sync", j->sync);
  }
  if (j->t_asic) {
    cJSON_AddStringToObject(root, "liberty", j->liberty);
    cJSON_AddStringToObject(root, "liberty_name", j->liberty_name);
    cJSON_AddStringToObject(root, "area_unit", j->area_unit);
    cJSON_AddNumberToObject(root, "frame_rate_hz", j->frame_rate_hz);
    cJSON_AddNumberToObject(root, "clock_mhz", j->clock_mhz);
    cJSON_AddNumberToObject(root, "power_clock_mhz", j->power_clock_mhz);
    cJSON_AddNumberToObject(root, "input_delay_ns", j->in_delay_ns);
    cJSON_AddNumberToObject(root, "output_delay_ns", j->out_delay_ns);
    char src[200];
    snprintf(src, sizeof src,
             "gate-level Icarus simulation of %d frames (%d from the data "
             "set), per-instance interpolation of OpenSTA power at activity "
             "0 and 1",
             j->asic_frames, j->asic_data_frames);
    cJSON_AddStringToObject(root, "activity_source", src);
  }
  const bsq_synth_arch *nv = &j->r[BSQ_SYN_NAIVE];
  for (int a = 0; a < BSQ_SYN_NARCH; a++) {
    const bsq_synth_arch *r = &j->r[a];
    if (!r->present) continue;
    cJSON *o = cJSON_AddObjectToObject(root, bsq_synth_arch_name(a));
    for (int k = 0; k < NMETRICS; k++) {
      double v = metric_value(r, &METRICS[k]);
      add_num(o, METRICS[k].key, v, v >= 0);
    }
    if (r->nseeds > 0) {
      cJSON *fs = cJSON_AddArrayToObject(o, "fmax_mhz_seeds");
      for (int s = 0; s < r->nseeds; s++)
        cJSON_AddItemToArray(fs, cJSON_CreateNumber(r->fmax_seed[s]));
    }
    timing_json(o, r);
    cJSON_AddNumberToObject(o, "latency_cycles", r->latency);
    add_num(o, "latency_cycles_sim", r->latency_sim, r->latency_sim >= 0);
    cJSON_AddNumberToObject(o, "frames_per_clock", 1.0 / r->samples_per_frame);
    cJSON_AddNumberToObject(o, "samples_per_frame", r->samples_per_frame);
    /* the frame-rate columns: clock needed per MS/s of frames, and the
     * frame rate its Fmax allows */
    cJSON_AddNumberToObject(o, "clock_mhz_per_msps", r->samples_per_frame);
    add_num(o, "msps_at_fmax", r->fmax_mhz / r->samples_per_frame,
            r->fmax_mhz > 0);
    if (r->asic_mapped)
      add_num(o, "msps_at_fmax_sta",
              r->asic.fmax_mhz_sta / r->samples_per_frame,
              r->asic.fmax_mhz_sta > 0);
    cJSON *by = cJSON_Parse(r->cells_by_type[0] ? r->cells_by_type : "{}");
    cJSON_AddItemToObject(o, "cells_by_type", by ? by : cJSON_CreateObject());
    if (j->proved && a == BSQ_SYN_SERIAL)
      cJSON_AddNullToObject(o, "equivalent"); /* checked by simulation */
    else if (j->proved)
      cJSON_AddBoolToObject(o, "equivalent", r->equivalent == 1);
    if (r->asic_mapped)
      asic_json(cJSON_AddObjectToObject(o, "asic"), &r->asic,
                a != BSQ_SYN_NAIVE && nv->asic_mapped ? &nv->asic : NULL);
    if (j->e[a].present)
      encoder_json(cJSON_AddObjectToObject(o, "encoder"), &j->e[a], r);
    if (a != BSQ_SYN_NAIVE && nv->present) {
      cJSON *ro = cJSON_AddObjectToObject(o, "ratio_to_naive");
      for (int k = 0; k < NMETRICS; k++) {
        double q = ratio(metric_value(r, &METRICS[k]),
                         metric_value(nv, &METRICS[k]));
        add_num(ro, METRICS[k].key, round(q * 1000) / 1000, q >= 0);
      }
      double q = ratio(r->latency, nv->latency);
      add_num(ro, "latency_cycles", round(q * 1000) / 1000, q >= 0);
    }
  }
  if (j->proved) cJSON_AddBoolToObject(root, "equivalent", j->all_eq);
  if (j->pick_why[0]) {
    cJSON *pk = cJSON_AddObjectToObject(root, "auto");
    if (j->picked >= 0)
      cJSON_AddStringToObject(pk, "arch", bsq_synth_arch_name(j->picked));
    else cJSON_AddNullToObject(pk, "arch");
    cJSON_AddStringToObject(pk, "why", j->pick_why);
  }
  cJSON *notes = cJSON_AddArrayToObject(root, "notes");
  for (int i = 0; i < j->nnotes; i++)
    cJSON_AddItemToArray(notes, cJSON_CreateString(j->notes[i]));
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  return text;
}

static void fmt_value(char *out, size_t cap, double v, int dbl) {
  if (v < 0) snprintf(out, cap, "-");
  else if (dbl) snprintf(out, cap, "%.1f", v);
  else snprintf(out, cap, "%.0f", v);
}

/* The header row and rule of a report table: one column per present
 * architecture, then each one's ratio to naive. */
static void table_head(bsq_buf *b, const int *cols, int nc) {
  for (int c = 0; c < nc; c++)
    bsq_buf_printf(b, " %10s |", bsq_synth_arch_name(cols[c]));
  for (int c = 0; c < nc; c++)
    if (cols[c] != BSQ_SYN_NAIVE)
      bsq_buf_printf(b, " %s / naive |", bsq_synth_arch_name(cols[c]));
  bsq_buf_printf(b, "\n|%s|", "--------------------------------");
  for (int c = 0; c < nc; c++) bsq_buf_puts(b, "-----------:|");
  for (int c = 0; c < nc; c++)
    if (cols[c] != BSQ_SYN_NAIVE) bsq_buf_puts(b, "--------------:|");
  bsq_buf_puts(b, "\n");
}

/* The ASIC table: one row per figure, the ratio to naive beside it. */
static void asic_md(bsq_buf *b, const bsq_synth_report *j, const int *cols,
                    int nc) {
  enum { R_AREA, R_CELLS, R_DFFS, R_CRIT, R_FMAX, R_CLK, R_SLACK, R_INT,
         R_SW, R_LEAK, R_E, R_LE, R_CHECK, NROW };
  char lab[NROW][64];
  snprintf(lab[R_AREA], 64, "area, %s", j->area_unit);
  snprintf(lab[R_CELLS], 64, "cells");
  snprintf(lab[R_DFFS], 64, "flip-flops");
  snprintf(lab[R_CRIT], 64, "critical path, ns");
  snprintf(lab[R_FMAX], 64, "Fmax (STA), MHz");
  snprintf(lab[R_CLK], 64, "clock, MHz");
  snprintf(lab[R_SLACK], 64, "slack at that clock, ns");
  snprintf(lab[R_INT], 64, "internal power, uW");
  snprintf(lab[R_SW], 64, "switching power, uW");
  snprintf(lab[R_LEAK], 64, "leakage power, uW");
  snprintf(lab[R_E], 64, "energy per frame, pJ");
  snprintf(lab[R_LE], 64, "leakage per frame, pJ");
  snprintf(lab[R_CHECK], 64, "gate-level check");
  bsq_buf_printf(b, "\nASIC, library %s (%s), one frame per clock (serial: "
                    "one code per clock) at %g frames/s:\n\n| %-30s |",
                 j->liberty_name, j->liberty, j->frame_rate_hz, "");
  table_head(b, cols, nc);
  const bsq_synth_arch *nv = &j->r[BSQ_SYN_NAIVE];
  for (int k = 0; k < NROW; k++) {
    bsq_buf_printf(b, "| %-30s |", lab[k]);
    double v[BSQ_SYN_NARCH + 1];
    for (int c = 0; c <= nc; c++) {
      const bsq_synth_arch *a = c < nc ? &j->r[cols[c]] : nv;
      const bsq_synth_asic_result *x = &a->asic;
      int sim = x->gate_level_check == 1;
      double val = !a->asic_mapped ? -1
                   : k == R_AREA   ? x->area
                   : k == R_CELLS  ? x->cells
                   : k == R_DFFS   ? x->dffs
                   : k == R_CRIT   ? x->critical_path_ns
                   : k == R_FMAX   ? x->fmax_mhz_sta
                   : k == R_CLK    ? x->clock_mhz
                   : k == R_SLACK  ? x->slack_ns
                   : k == R_CHECK  ? x->gate_level_check
                   : !sim          ? -1
                   : k == R_INT    ? x->p_internal_uw
                   : k == R_SW     ? x->p_switching_uw
                   : k == R_LEAK   ? x->p_leakage_uw
                   : k == R_E      ? x->energy_pj_per_frame
                                   : x->leakage_pj_per_frame;
      v[c] = val;
      if (c == nc) break;
      char s[48];
      if (k == R_CHECK)
        snprintf(s, sizeof s, "%s", val == 1 ? "pass" : val == 0 ? "FAIL" : "-");
      else if (val < 0 && k != R_SLACK)
        snprintf(s, sizeof s, "-");
      else if (k == R_DFFS) {
        int n = snprintf(s, sizeof s, "%.0f", val);
        for (int t = 0; t < x->ntypes && n < (int)sizeof s; t++)
          if (x->type[t].sequential)
            n += snprintf(s + n, sizeof s - (size_t)n, " %s", x->type[t].name);
      } else if (k == R_AREA || k == R_CELLS)
        snprintf(s, sizeof s, "%.0f", val);
      else if (k == R_CRIT || k == R_SLACK)
        snprintf(s, sizeof s, "%.3f", val);
      else if (k == R_LE || k == R_LEAK)
        snprintf(s, sizeof s, "%.4f", val);
      else
        snprintf(s, sizeof s, "%.1f", val);
      bsq_buf_printf(b, " %10s |", s);
    }
    for (int c = 0; c < nc; c++) {
      if (cols[c] == BSQ_SYN_NAIVE) continue;
      double q = k == R_CHECK || k == R_SLACK || k == R_CLK || !nv->present
                     ? -1
                                                              : ratio(v[c], v[nc]);
      char s[32];
      if (q < 0) snprintf(s, sizeof s, "-");
      else snprintf(s, sizeof s, "%.2fx", q);
      bsq_buf_printf(b, " %14s |", s);
    }
    bsq_buf_puts(b, "\n");
  }
  const bsq_synth_asic_result *x0 = NULL;
  for (int a = 0; a < BSQ_SYN_NARCH && !x0; a++)
    if (j->r[a].asic_mapped) x0 = &j->r[a].asic;
  if (x0 && x0->buffered)
    bsq_buf_printf(b, "\nABC mapped with timing constraints (inputs driven by "
                      "%s, outputs loading %.0f fF), so it buffers high-fanout "
                      "nets and sizes gates.", x0->drive_cell, BSQ_ASIC_LOAD_FF);
  else if (x0)
    bsq_buf_printf(b, "\nABC mapped without timing constraints (the library "
                      "has no inverter or no load unit): no buffering, so "
                      "high-fanout nets are slow.");
  bsq_buf_printf(b, "\nASIC: Yosys dfflibmap + abc -liberty; OpenSTA %s at the "
                    "library's corner, critical path register to register "
                    "(clk->Q + logic + setup), input delay %g ns, output "
                    "delay %g ns, reset a false path, no wire load; power "
                    "from each instance's OpenSTA power at activity 0 and 1 "
                    "interpolated at the toggle rate of its output measured "
                    "in a zero-delay gate-level simulation of %d frames (%d "
                    "from the data set), checked against the C model; no "
                    "clock tree, no glitch power.\n",
                 j->sta_ver, j->in_delay_ns, j->out_delay_ns, j->asic_frames,
                 j->asic_data_frames);
}

/* The whole-encoder table: per architecture the encoder's figures beside
 * its bank's, and their ratio. */
static void encoder_md(bsq_buf *b, const bsq_synth_report *j) {
  int cols[BSQ_SYN_NARCH], nc = 0;
  for (int a = 0; a < BSQ_SYN_NARCH; a++)
    if (j->e[a].present) cols[nc++] = a;
  if (!nc) return;
  char sync[48] = "";
  if (j->sync) snprintf(sync, sizeof sync, ", frame sync every %d frames", j->sync);
  bsq_buf_printf(b, "\nWhole encoder (input register, quantizers, %spacker, "
                    "AXI4-Stream handshake: NAME_<arch>_encoder as `bsq gen` "
                    "writes it, %d-bit words, %s%s) beside its bank:\n\n| %-30s |",
                 j->sync ? "framer, " : "", j->enc_K,
                 j->enc_aligned ? "aligned" : "continuous", sync, "");
  for (int c = 0; c < nc; c++) {
    char h[40];
    snprintf(h, sizeof h, "%s enc", bsq_synth_arch_name(cols[c]));
    bsq_buf_printf(b, " %10s | %10s | %12s |", h, "bank", "enc / bank");
  }
  bsq_buf_printf(b, "\n|%s|", "--------------------------------");
  for (int c = 0; c < nc; c++)
    bsq_buf_puts(b, "-----------:|-----------:|-------------:|");
  bsq_buf_puts(b, "\n");
  int asic = 0;
  for (int c = 0; c < nc; c++) asic |= j->e[cols[c]].asic_mapped;
  static const char *const AROWS[] = {"ASIC area, um^2", "ASIC cells",
                                      "ASIC flip-flops", "ASIC Fmax (OpenSTA), MHz",
                                      "ASIC slack at its clock, ns",
                                      "ASIC energy per frame, pJ",
                                      "ASIC clocks per frame"};
  int nrows = NMETRICS + 1 + (asic ? 7 : 0);
  for (int k = 0; k < nrows; k++) {
    if (k > NMETRICS) { /* the asic rows */
      int ak = k - NMETRICS - 1;
      bsq_buf_printf(b, "| %-30s |", AROWS[ak]);
      for (int c = 0; c < nc; c++) {
        const bsq_synth_arch *u[2] = {&j->e[cols[c]], &j->r[cols[c]]};
        double v[2];
        for (int i = 0; i < 2; i++) {
          const bsq_synth_asic_result *x = &u[i]->asic;
          int sim = x->gate_level_check == 1;
          /* the bank runs one frame per clock (serial's is not here) */
          double cpf = i ? 1.0 : x->cycles_per_frame;
          v[i] = !u[i]->asic_mapped ? -1
                 : ak == 0 ? x->area : ak == 1 ? x->cells : ak == 2 ? x->dffs
                 : ak == 3 ? (x->fmax_mhz_sta > 0 ? x->fmax_mhz_sta : -1)
                 : ak == 4 ? x->slack_ns
                 : ak == 5 ? (sim ? x->energy_pj_per_frame : -1)
                           : (sim ? cpf : -1);
          char s[32];
          if (!u[i]->asic_mapped || (ak != 4 && v[i] < 0)) snprintf(s, sizeof s, "-");
          else if (ak == 0 || ak >= 3) snprintf(s, sizeof s, "%.1f", v[i]);
          else snprintf(s, sizeof s, "%.0f", v[i]);
          bsq_buf_printf(b, " %10s |", s);
        }
        double q = ak == 4 || ak == 6 ? -1 : ratio(v[0], v[1]);
        char s[32];
        if (q < 0) snprintf(s, sizeof s, "-");
        else snprintf(s, sizeof s, "%.2fx", q);
        bsq_buf_printf(b, " %12s |", s);
      }
      bsq_buf_puts(b, "\n");
      continue;
    }
    bsq_buf_printf(b, "| %-30s |",
                   k < NMETRICS ? METRICS[k].label : "slack at --freq, ns");
    for (int c = 0; c < nc; c++) {
      const bsq_synth_arch *u[2] = {&j->e[cols[c]], &j->r[cols[c]]};
      double v[2];
      for (int i = 0; i < 2; i++) {
        char s[32];
        if (k < NMETRICS) {
          v[i] = metric_value(u[i], &METRICS[k]);
          fmt_value(s, sizeof s, v[i], METRICS[k].dbl);
        } else {
          v[i] = -1;
          if (u[i]->nseeds > 0) snprintf(s, sizeof s, "%.3f", u[i]->slack_ns);
          else snprintf(s, sizeof s, "-");
        }
        bsq_buf_printf(b, " %10s |", s);
      }
      double q = ratio(v[0], v[1]);
      char s[32];
      if (q < 0) snprintf(s, sizeof s, "-");
      else snprintf(s, sizeof s, "%.2fx", q);
      bsq_buf_printf(b, " %12s |", s);
    }
    bsq_buf_puts(b, "\n");
  }
  if (asic)
    bsq_buf_printf(b, "\nASIC rows: the encoder's gate-level netlist is "
                      "simulated with its output always ready, every word "
                      "checked against the C model; its energy per frame is "
                      "at the clock that the measured clocks per frame need "
                      "for the frame rate (every register is clocked each "
                      "cycle, also while the quantizers wait for the "
                      "packer), the bank's at one frame per clock.\n");
  if (j->enc_io > BSQ_ICE40_IO)
    bsq_buf_printf(b, "\nThe encoder has %d ports, more than the iCE40's %d "
                      "pins: its logic cells and Fmax are placed and routed "
                      "inside NAME_<arch>_io, which shifts s_axis_tdata in "
                      "and each word out on one pin each (%d flip-flops more); "
                      "its LUT4s, carry cells and flip-flops are its own.\n",
                   j->enc_io, BSQ_ICE40_IO, j->in_bits + j->enc_K);
}

/* Row k of the Markdown table: a metric, then latency, frames per clock,
 * clock per MS/s of frames and frames at Fmax. */
static double row_value(const bsq_synth_arch *r, int k) {
  if (k < NMETRICS) return metric_value(r, &METRICS[k]);
  if (k == NMETRICS) return r->latency;
  if (k == NMETRICS + 1) return 1.0 / r->samples_per_frame;
  if (k == NMETRICS + 2) return r->samples_per_frame;
  return r->fmax_mhz > 0 ? r->fmax_mhz / r->samples_per_frame : -1;
}

char *bsq_synth_report_md(const bsq_synth_report *j) {
  bsq_buf buf, *b = &buf;
  bsq_buf_init(b);
  bsq_buf_printf(b, "# bsq synth: model %s\n\n", j->model_hash);
  bsq_buf_printf(b, "%d features, %d input bits, %d level bits per frame. "
                    "Unit synthesized for every\narchitecture: the quantizer "
                    "bank (codes registered -> quantizers -> levels\n"
                    "registered), one frame per clock; serial: one code per "
                    "clock registered ->\nshared quantizer -> frame of levels "
                    "registered, one frame per F clocks.\nThe packer is not "
                    "included in the bank; the whole-encoder table has it.\n\n",
                 j->F, j->in_bits, j->B);
  int cols[BSQ_SYN_NARCH], nc = 0;
  for (int a = 0; a < BSQ_SYN_NARCH; a++)
    if (j->r[a].present) cols[nc++] = a;
  const bsq_synth_arch *nv = &j->r[BSQ_SYN_NAIVE];
  bsq_buf_printf(b, "| %-30s |", "");
  table_head(b, cols, nc);
  for (int k = 0; k <= NMETRICS + 3; k++) {
    const char *label = k < NMETRICS        ? METRICS[k].label
                        : k == NMETRICS     ? "latency, cycles"
                        : k == NMETRICS + 1 ? "throughput, frames per clock"
                        : k == NMETRICS + 2 ? "clock per MS/s of frames, MHz"
                                            : "frames at Fmax, MS/s";
    bsq_buf_printf(b, "| %-30s |", label);
    double vals[BSQ_SYN_NARCH];
    for (int c = 0; c < nc; c++) {
      const bsq_synth_arch *r = &j->r[cols[c]];
      double v = row_value(r, k);
      vals[c] = v;
      char s[32];
      if (k == NMETRICS + 1) snprintf(s, sizeof s, "%.3g", v);
      else fmt_value(s, sizeof s, v, k >= NMETRICS + 3 || (k < NMETRICS && METRICS[k].dbl));
      bsq_buf_printf(b, " %10s |", s);
    }
    double nvv = row_value(nv, k);
    for (int c = 0; c < nc; c++) {
      if (cols[c] == BSQ_SYN_NAIVE) continue;
      double q = nv->present ? ratio(vals[c], nvv) : -1;
      char s[32];
      if (q < 0) snprintf(s, sizeof s, "-");
      else snprintf(s, sizeof s, "%.2fx", q);
      bsq_buf_printf(b, " %14s |", s);
    }
    bsq_buf_puts(b, "\n");
  }
  if (j->proved) {
    bsq_buf_printf(b, "| %-30s |", "equivalent to flash (proof)");
    for (int c = 0; c < nc; c++)
      bsq_buf_printf(b, " %10s |", cols[c] == BSQ_SYN_SERIAL ? "(sim)"
                                   : j->r[cols[c]].equivalent == 1 ? "yes"
                                                                   : "NO");
    for (int c = 0; c < nc; c++)
      if (cols[c] != BSQ_SYN_NAIVE) bsq_buf_printf(b, " %14s |", "");
    bsq_buf_puts(b, "\n");
  }
  encoder_md(b, j);
  if (j->t_asic) asic_md(b, j, cols, nc);
  bsq_buf_puts(b, "\nLatency: register stages from codes in to levels out "
                  "(input register included),\nfrom the generator");
  int sim = 0;
  for (int c = 0; c < nc; c++) sim |= j->r[cols[c]].latency_sim >= 0;
  bsq_buf_printf(b, "%s.\n", sim ? "; confirmed by simulating each bank "
                                   "against the C model, one frame per clock"
                                 : "");
  if (j->t_ice40 && nc > 0 && j->r[cols[0]].nseeds > 0)
    bsq_buf_printf(b, "iCE40: HX8K ct256, nextpnr-ice40 seeds 1..%d aiming at "
                      "--freq %g MHz; Fmax is the median, slack = 1/freq - "
                      "1/Fmax.\n",
                   j->seeds, j->r[cols[0]].freq_mhz);
  bsq_buf_printf(b, "Tools: %s%s%s.\n", j->yosys_ver,
                 j->nextpnr_ver[0] ? "; " : "", j->nextpnr_ver);
  for (int i = 0; i < j->nnotes; i++)
    bsq_buf_printf(b, "\nNote: %s\n", j->notes[i]);
  return bsq_buf_finish(b);
}

int bsq_synth_report_write(const bsq_synth_report *r, const char *md_path,
                           bsq_diag *diag) {
  char jp[4096];
  size_t n = strlen(md_path);
  int long_path =
      n > 3 && !strcmp(md_path + n - 3, ".md")
          ? bsq_pathf(jp, sizeof jp, "%.*s.json", (int)(n - 3), md_path)
          : bsq_pathf(jp, sizeof jp, "%s.json", md_path);
  if (long_path) return bsq_diag_set(diag, BSQ_EINVAL, "%s: path too long", md_path);
  char *md = bsq_synth_report_md(r), *js = bsq_synth_report_json(r);
  bsq_buf jb;
  bsq_buf_init(&jb);
  if (js) bsq_buf_printf(&jb, "%s\n", js);
  char *jsn = js ? bsq_buf_finish(&jb) : NULL;
  if (!js) bsq_buf_free(&jb);
  int rc = md && jsn ? BSQ_OK : bsq_diag_set(diag, BSQ_ENOMEM, "out of memory");
  if (rc == BSQ_OK) rc = bsq_write_if_changed(md_path, md, strlen(md), NULL, diag);
  if (rc == BSQ_OK) rc = bsq_write_if_changed(jp, jsn, strlen(jsn), NULL, diag);
  free(md);
  free(js);
  free(jsn);
  return rc;
}
