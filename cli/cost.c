/* bsq — the encoder's cost of one model for bsq pareto (cost.h). */
#include "cost.h"

#include <stdio.h>
#include <stdlib.h>

#include "run.h"
#include "synth.h"
#include "tools.h"

/* The encoder's cost of one model by bsq synth's whole flash encoder (the
 * quantizers, the packer and the handshake, as bsq gen writes it): iCE40
 * logic cells or ASIC cell area. 0, or a library code with diag. */
int cli_encoder_cost(const bsq_model *m, int asic, long *cells, double *area,
                     char *unit, size_t unitn, bsq_diag *diag) {
  bsq_tool_paths paths;
  if (cli_tool_paths("pareto", CLI_NEED_RTL, &paths))
    return bsq_diag_set(diag, BSQ_EIO, "the packer RTL is not installed");
  char packer_v[4200];
  snprintf(packer_v, sizeof packer_v, "%s/bsq_packer.v", paths.rtl_dir);
  bsq_synth_cfg j;
  bsq_synth_cfg_default(&j);
  j.packer_v = packer_v;
  for (int a = 0; a < BSQ_SYN_NARCH; a++) j.want[a] = a == BSQ_SYN_FLASH;
  j.t_generic = j.t_cmos = 0;
  j.t_ice40 = !asic;
  j.t_asic = asic ? 1 : 0;
  j.seeds = 1;
  char *work = cli_work_dir("pareto", NULL, "pareto");
  if (!work) return bsq_diag_set(diag, BSQ_EIO, "cannot make a work directory");
  j.work = work;
  bsq_synth_report r;
  int rc = bsq_synth_run(&j, m, &r, diag);
  if (rc == BSQ_OK || rc == BSQ_EMISMATCH) {
    const bsq_synth_arch *f = &r.e[BSQ_SYN_FLASH];
    if (!asic && f->logic_cells >= 0) *cells = f->logic_cells;
    if (asic && f->asic_mapped) {
      *area = f->asic.area;
      snprintf(unit, unitn, "%s", f->asic.area_unit);
    }
    rc = BSQ_OK;
  }
  bsq_rmtree(work);
  free(work);
  return rc;
}

