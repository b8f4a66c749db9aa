/* bsq — switching activity from a value change dump (see vcd.h). */
#define _POSIX_C_SOURCE 200809L
#include "vcd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
  return p;
}

typedef struct {
  char id[16];
  int width;
  char name[128];   /* net name; a vector's bit k is name[k] */
  int first;       /* index of its bit 0 in the bit arrays */
} vcdvar;

static int cmp_var(const void *a, const void *b) {
  return strcmp(((const vcdvar *)a)->id, ((const vcdvar *)b)->id);
}

typedef struct {
  signed char val;   /* 0, 1, 2 = x/z */
  double since;      /* time of the last change */
  double high;       /* time at 1 inside the window */
  uint64_t toggles;  /* 0<->1 inside the window */
} bitstate;

static void bit_set(bitstate *s, int v, double t, double t0, double t1) {
  /* accumulate the time at 1 of the interval [since, t) within [t0, t1) */
  if (s->val == 1) {
    double a = s->since > t0 ? s->since : t0, b = t < t1 ? t : t1;
    if (b > a) s->high += b - a;
  }
  if (t >= t0 && t < t1 && s->val != 2 && v != 2 && v != s->val) s->toggles++;
  s->val = (signed char)v;
  s->since = t;
}

/* ns per unit of a VCD time unit string ("ps", "ns", ...). */
static double unit_ns(const char *s) {
  while (*s && (*s == ' ' || *s == '\t' || (*s >= '0' && *s <= '9') || *s == '.'))
    s++;
  switch (*s) {
    case 'f': return 1e-6;
    case 'p': return 1e-3;
    case 'n': return 1.0;
    case 'u': return 1e3;
    case 'm': return 1e6;
    case 's': return 1e9;
    default: return 0.0;
  }
}

/* The identifier code up to white space, truncated to cap - 1. */
static void copy_id(char *dst, size_t cap, const char *src) {
  size_t n = 0;
  while (src[n] && src[n] != ' ' && src[n] != '\n' && src[n] != '\r' &&
         n + 1 < cap) {
    dst[n] = src[n];
    n++;
  }
  dst[n] = '\0';
}

static int vcd_value(char c) {
  return c == '0' ? 0 : c == '1' ? 1 : 2;
}

static int cmp_activity(const void *a, const void *b) {
  return strcmp(((const bsq_net_activity *)a)->name,
                ((const bsq_net_activity *)b)->name);
}

int bsq_vcd_activity(const char *vcd, const char *act, double t0, double t1,
                     int cycles, bsq_net_activity **outp, int *nout,
                     uint64_t *toggles, bsq_diag *d) {
  bsq_net_activity *na = NULL;
  FILE *fp = fopen(vcd, "r");
  if (!fp) return bsq_diag_set(d, BSQ_EIO, "%s: cannot read", vcd);
  vcdvar *var = NULL;
  bitstate *bs = NULL;
  int nvar = 0, capv = 0, nbits = 0, rc = 0, inscope = 0, depth = 0;
  char line[4096];
  double now = 0, tscale = 0.0; /* ns per VCD time unit */
  while (fgets(line, sizeof line, fp)) {
    if (!strncmp(line, "$scope", 6)) {
      depth++;
      if (strstr(line, " dut ")) inscope = depth;
    } else if (!strncmp(line, "$upscope", 8)) {
      if (inscope == depth) inscope = 0;
      depth--;
    } else if (!strncmp(line, "$var", 4) && inscope && depth == inscope) {
      char type[16], id[16], nm[128], rng[32] = "";
      (void)rng;
      int w;
      int n = sscanf(line, "$var %15s %d %15s %127s %31s", type, &w, id, nm, rng);
      if (n < 4) continue;
      if (nvar == capv) {
        capv = capv ? 2 * capv : 1024;
        vcdvar *g = realloc(var, (size_t)capv * sizeof *var);
        if (!g) {
          rc = bsq_diag_set(d, BSQ_ENOMEM, "out of memory");
          goto done;
        }
        var = g;
      }
      vcdvar *v = &var[nvar++];
      snprintf(v->id, sizeof v->id, "%s", id);
      snprintf(v->name, sizeof v->name, "%s", nm);
      v->width = w;
      v->first = nbits;
      nbits += w;
    } else if (!strncmp(line, "$timescale", 10)) {
      /* "$timescale 10ps $end", possibly over three lines */
      char buf[64] = "";
      const char *q = line + 10;
      if (!strpbrk(q, "0123456789")) {
        if (!fgets(buf, sizeof buf, fp)) break;
        q = buf;
      }
      double mag = strtod(skip_ws(q), NULL);
      tscale = mag > 0 ? mag * unit_ns(q) : 0.0;
    } else if (!strncmp(line, "$enddefinitions", 15)) {
      break;
    }
  }
  if (nvar == 0) {
    rc = bsq_diag_set(d, BSQ_EPARSE, "%s: no nets in scope dut", vcd);
    goto done;
  }
  if (!(tscale > 0)) {
    rc = bsq_diag_set(d, BSQ_EPARSE, "%s: no $timescale", vcd);
    goto done;
  }
  qsort(var, (size_t)nvar, sizeof *var, cmp_var);
  bs = calloc((size_t)nbits, sizeof *bs);
  if (!bs) {
    rc = bsq_diag_set(d, BSQ_ENOMEM, "out of memory");
    goto done;
  }
  for (int i = 0; i < nbits; i++) bs[i].val = 2;
  while (fgets(line, sizeof line, fp)) {
    char *p = line;
    if (*p == '#') {
      now = strtod(p + 1, NULL) * tscale;
      continue;
    }
    if (*p == '$') continue;
    vcdvar key;
    const char *val;
    size_t vlen;
    if (*p == 'b' || *p == 'B') {
      char *sp = strchr(p, ' ');
      if (!sp) continue;
      val = p + 1;
      vlen = (size_t)(sp - val);
      copy_id(key.id, sizeof key.id, sp + 1);
    } else if (strchr("01xXzZ", *p) && p[1] && p[1] != '\n') {
      val = p;
      vlen = 1;
      copy_id(key.id, sizeof key.id, p + 1);
    } else {
      continue;
    }
    vcdvar *v = bsearch(&key, var, (size_t)nvar, sizeof *var, cmp_var);
    if (!v) continue;
    /* a vector value may be shorter than the width: extend with 0, or
     * with x/z when it starts with one */
    for (int k = 0; k < v->width; k++) {
      int c;
      if ((size_t)k < vlen)
        c = vcd_value(val[vlen - 1 - (size_t)k]);
      else
        c = vcd_value(val[0]) == 1 ? 0 : vcd_value(val[0]);
      bitstate *s = &bs[v->first + k];
      if (c != s->val) bit_set(s, c, now, t0, t1);
    }
  }
  /* close the window */
  for (int i = 0; i < nbits; i++) {
    bitstate *s = &bs[i];
    int v = s->val;
    bit_set(s, v, t1, t0, t1);
  }
  {
    FILE *fa = fopen(act, "w");
    if (!fa) {
      rc = bsq_diag_set(d, BSQ_EIO, "%s: cannot write", act);
      goto done;
    }
    fprintf(fa, "# net transitions_per_clock duty (measured, generated by bsq)\n");
    na = malloc((size_t)nbits * sizeof *na);
    if (!na) {
      fclose(fa);
      rc = bsq_diag_set(d, BSQ_ENOMEM, "out of memory");
      goto done;
    }
    double win = t1 - t0;
    int nets = 0;
    uint64_t tog = 0;
    for (int i = 0; i < nvar; i++) {
      const vcdvar *v = &var[i];
      if (!strcmp(v->name, "clk")) continue;
      for (int k = 0; k < v->width; k++) {
        const bitstate *s = &bs[v->first + k];
        double a = (double)s->toggles / (double)cycles;
        double duty = win > 0 ? s->high / win : 0.0;
        char nm[160];
        if (v->width > 1)
          snprintf(nm, sizeof nm, "%s[%d]", v->name, k);
        else
          snprintf(nm, sizeof nm, "%s", v->name);
        fprintf(fa, "%s %.6g %.6g\n", nm, a, duty);
        snprintf(na[nets].name, sizeof na[nets].name, "%.47s", nm);
        na[nets].act = a;
        na[nets].duty = duty;
        nets++;
        tog += s->toggles;
      }
    }
    if (fclose(fa) != 0) {
      rc = bsq_diag_set(d, BSQ_EIO, "%s: write failed", act);
      goto done;
    }
    *toggles = tog;
    qsort(na, (size_t)nets, sizeof *na, cmp_activity);
    *outp = na;
    *nout = nets;
    na = NULL;
  }
done:
  fclose(fp);
  free(var);
  free(bs);
  free(na);
  return rc;
}

double bsq_net_activity_of(const bsq_net_activity *na, int n, const char *net) {
  bsq_net_activity key;
  snprintf(key.name, sizeof key.name, "%.47s", net);
  const bsq_net_activity *h =
      bsearch(&key, na, (size_t)n, sizeof *na, cmp_activity);
  return h ? h->act : 0.0;
}
