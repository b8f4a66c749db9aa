// bsq co-simulation harness for the serial encoder (`--arch serial`):
// drives the generated encoder (verilated with --prefix Vdut) one code per
// beat from the beat file `bsq sim` wrote, and checks every output word and
// tlast against the C model's serial reference (model/serial.h), called
// through its C header on exactly the beats the DUT accepted
// (s_axis_tvalid && s_axis_tready), and frame_err_o and drop_count_o after
// every clock edge.
//
//   serial_harness MODEL.json BEATS.bin [--backpressure P] [--seed S]
//                  [--reset-at N] [--drop-word N] [--trace FILE] [+trace]
//
// Compile-time: BSQ_K (word bits), BSQ_ALIGNED, BSQ_TW (tdata bits), BSQ_B,
// and BSQ_TRACE_FST or BSQ_TRACE_VCD when built for tracing.
//
// Each cycle: inputs change while clk is low, handshakes are sampled, the
// output beat is compared, then the rising edge. Every beat is presented
// in order until accepted; s_axis_tvalid and m_axis_tready drop at random
// with probability P. --reset-at N holds rst_n low two cycles before beat
// N (`bsq sim` picks one in the middle of a frame); the DUT and the model
// are both reset, and the beats after it go on as they come, so the rest
// of the interrupted frame arrives as a frame of its own (dropped, its
// tlast early). Beats with a misplaced tlast come from the beat file.
//
// Prints %Error lines (first few mismatches) on stderr and one
// "RESULT key=value ..." line on stdout. Exit 0 pass, 3 fail, 2 bad input.

#include <verilated.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "Vdut.h"
#if defined(BSQ_TRACE_FST)
#include <verilated_fst_c.h>
typedef VerilatedFstC TraceFile;
#elif defined(BSQ_TRACE_VCD)
#include <verilated_vcd_c.h>
typedef VerilatedVcdC TraceFile;
#endif

extern "C" {
#include "model.h"
#include "quant.h"
#include "rng.h"
#include "serial.h"
}

#if !defined(BSQ_K) || !defined(BSQ_ALIGNED) || !defined(BSQ_TW) || \
    !defined(BSQ_B)
#error "build with -DBSQ_K=.. -DBSQ_ALIGNED=.. -DBSQ_TW=.. -DBSQ_B=.."
#endif

namespace {

constexpr int K = BSQ_K;
constexpr int NW = (BSQ_B + BSQ_K - 1) / BSQ_K;  // words per aligned frame
constexpr uint64_t WORD_MASK = K == 64 ? ~0ULL : ((1ULL << K) - 1);
constexpr int MAX_REPORTS = 5;

struct Expected {
  uint64_t word;
  uint8_t last;
};

void usage() {
  std::fprintf(stderr,
               "usage: serial_harness MODEL.json BEATS.bin [--backpressure P] "
               "[--seed S] [--reset-at N] [--drop-word N] [--trace FILE]\n");
}

}  // namespace

int main(int argc, char **argv) {
  const auto contextp = std::make_unique<VerilatedContext>();
  contextp->randReset(2);  // registers start random: a missing reset shows
  contextp->commandArgs(argc, argv);

  const char *model_path = nullptr, *beat_path = nullptr, *trace_path = nullptr;
  double backpressure = 0.0;
  uint64_t seed = 1, reset_at = UINT64_MAX, drop_word = UINT64_MAX;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const bool has = i + 1 < argc;
    if (!std::strcmp(a, "--backpressure") && has) {
      backpressure = std::strtod(argv[++i], nullptr);
    } else if (!std::strcmp(a, "--seed") && has) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(a, "--reset-at") && has) {
      reset_at = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(a, "--drop-word") && has) {
      drop_word = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(a, "--trace") && has) {
      trace_path = argv[++i];
    } else if (!std::strcmp(a, "+trace")) {
      trace_path = "";
    } else if (a[0] == '+') {
      // other plusargs are Verilator's
    } else if (!model_path) {
      model_path = a;
    } else if (!beat_path) {
      beat_path = a;
    } else {
      usage();
      return 2;
    }
  }
  if (!model_path || !beat_path || !(backpressure >= 0.0 && backpressure < 1.0)) {
    usage();
    return 2;
  }

  // ---- the model, through its C header
  bsq_model m;
  bsq_diag diag;
  if (bsq_model_load(&m, model_path, &diag) != BSQ_OK) {
    std::fprintf(stderr, "%%Error: %s\n", diag.msg);
    return 2;
  }
  const bsq_encoder *e = &m.enc;
  const int F = e->F;
  if (e->B != BSQ_B || bsq_serial_tdata_bits(e) != BSQ_TW) {
    std::fprintf(stderr,
                 "%%Error: model has B=%d, %d-bit codes; the DUT was built "
                 "for B=%d, %d\n",
                 e->B, bsq_serial_tdata_bits(e), BSQ_B, BSQ_TW);
    bsq_model_free(&m);
    return 2;
  }
  std::vector<int> feat_lsb(static_cast<size_t>(F) + 1, 0);
  for (int f = 0; f < F; f++) feat_lsb[f + 1] = feat_lsb[f] + e->bits[f];

  // ---- the beats
  bsq_beat_header h;
  std::vector<bsq_beat> beats;
  {
    FILE *fp = std::fopen(beat_path, "rb");
    bool ok = fp && std::fread(&h, sizeof h, 1, fp) == 1 &&
              !std::memcmp(h.magic, BSQ_BEAT_MAGIC, sizeof h.magic) &&
              h.F == static_cast<uint32_t>(F) && h.B == static_cast<uint32_t>(e->B);
    if (ok) {
      beats.resize(h.nbeats);
      ok = std::fread(beats.data(), sizeof(bsq_beat), beats.size(), fp) ==
           beats.size();
    }
    for (size_t i = 0; ok && i < beats.size(); i++)
      ok = beats[i].chan >= 0 && beats[i].chan < F;
    if (fp) std::fclose(fp);
    if (!ok) {
      std::fprintf(stderr, "%%Error: %s: not a beat file for this model\n",
                   beat_path);
      bsq_model_free(&m);
      return 2;
    }
  }
  const uint64_t n = h.nbeats;
  if (h.model_hash != bsq_model_hash(&m))
    std::fprintf(stderr, "%%Warning: %s was written for another model\n",
                 beat_path);
  std::vector<uint64_t> tdata(n);
  for (uint64_t i = 0; i < n; i++)
    tdata[i] = bsq_serial_tdata(e, beats[i].chan, beats[i].code);

  // ---- the DUT
  const auto top = std::make_unique<Vdut>(contextp.get(), "TOP");
#if defined(BSQ_TRACE_FST) || defined(BSQ_TRACE_VCD)
  std::unique_ptr<TraceFile> tfp;
  if (trace_path) {
    contextp->traceEverOn(true);
    tfp = std::make_unique<TraceFile>();
    top->trace(tfp.get(), 99);
#if defined(BSQ_TRACE_FST)
    tfp->open(*trace_path ? trace_path : "harness.fst");
#else
    tfp->open(*trace_path ? trace_path : "harness.vcd");
#endif
  }
#define DUMP(t) \
  do {          \
    if (tfp) tfp->dump(t); \
  } while (0)
#else
  if (trace_path)
    std::fprintf(stderr, "%%Warning: harness built without tracing\n");
#define DUMP(t) \
  do {          \
  } while (0)
#endif

  bsq_serial sr;
  if (bsq_serial_init(&sr, e, K, BSQ_ALIGNED ? BSQ_MODE_ALIGNED : BSQ_MODE_CONTINUOUS)) {
    std::fprintf(stderr, "%%Error: out of memory\n");
    bsq_model_free(&m);
    return 2;
  }
  const int maxw = bsq_packer_max_words(e->B, K);
  std::vector<uint64_t> words(static_cast<size_t>(maxw));
  std::vector<uint8_t> lasts(static_cast<size_t>(maxw));
  std::vector<Expected> expect;  // expected words of this segment, in order
  size_t expect_head = 0;
  // Per segment (since the last reset): the stimulus frame of each frame
  // the reference completed, and the first beat of each, for explaining a
  // mismatch.
  std::vector<int64_t> committed;
  std::vector<uint64_t> committed_beat;
  uint64_t frame_start = 0;  // first beat of the frame being gathered

  bsq_rng rng;
  bsq_rng_seed(&rng, seed);
  const uint64_t stall_below =
      backpressure <= 0.0 ? 0
                          : static_cast<uint64_t>(backpressure * 18446744073709551616.0);

  uint64_t cycle = 0, next = 0;  // next beat to present
  uint64_t seg_words = 0, delivered = 0, discarded = 0, committed_all = 0;
  uint64_t words_checked = 0, beats_out = 0;
  uint64_t mismatches = 0, unexpected = 0, flag_mismatches = 0, reports = 0;
  bool reset_done = reset_at >= n;

  auto seg_delivered = [&]() -> uint64_t {
    return BSQ_ALIGNED ? seg_words / NW : seg_words * K / static_cast<uint64_t>(e->B);
  };
  auto tick = [&]() {
    top->clk = 1;
    top->eval();
    DUMP(2 * cycle + 1);
    cycle++;
    top->clk = 0;
  };
  auto hold_reset = [&]() {
    top->s_axis_tvalid = 0;
    top->m_axis_tready = 0;
    top->rst_n = 0;
    for (int i = 0; i < 2; i++) {
      top->eval();
      DUMP(2 * cycle);
      tick();
    }
    top->rst_n = 1;
  };

  // Explains a differing word: which frame, feature and code it came from.
  auto report = [&](uint64_t got, uint8_t got_last, const Expected &x) {
    uint64_t diff = (got ^ x.word) & WORD_MASK;
    int bit = diff ? __builtin_ctzll(diff) : 0;
    uint64_t k;  // the frame of the segment
    int fbit;
    if (BSQ_ALIGNED) {
      k = seg_words / NW;
      fbit = static_cast<int>(seg_words % NW) * K + bit;
    } else {
      uint64_t sbit = seg_words * K + static_cast<uint64_t>(bit);
      k = sbit / static_cast<uint64_t>(e->B);
      fbit = static_cast<int>(sbit % static_cast<uint64_t>(e->B));
    }
    std::fprintf(stderr,
                 "%%Error: %s:%d: cycle=%" PRIu64 " word=%" PRIu64
                 " GOT=0x%0*" PRIx64 " tlast=%d EXP=0x%0*" PRIx64 " tlast=%d",
                 __FILE__, __LINE__, cycle, beats_out, (K + 3) / 4, got, got_last,
                 (K + 3) / 4, x.word, x.last);
    if (!diff) {
      std::fprintf(stderr, " (tlast only)\n");
      return;
    }
    if (k >= committed.size() || fbit >= e->B) {
      std::fprintf(stderr, " bit %d (padding)\n", fbit);
      return;
    }
    int f = 0;
    while (feat_lsb[f + 1] <= fbit) f++;
    const int64_t code = beats[committed_beat[k] + static_cast<uint64_t>(f)].code;
    int exp_level = bsq_level(e, f, code), got_level = exp_level;
    for (int j = 0; j < e->bits[f]; j++) {
      int64_t wb = BSQ_ALIGNED
                       ? static_cast<int64_t>(feat_lsb[f] + j) -
                             static_cast<int64_t>(seg_words % NW) * K
                       : static_cast<int64_t>(k * e->B +
                                              static_cast<uint64_t>(feat_lsb[f] + j)) -
                             static_cast<int64_t>(seg_words * K);
      if (wb >= 0 && wb < K) {
        got_level &= ~(1 << j);
        got_level |= static_cast<int>((got >> wb) & 1) << j;
      }
    }
    std::fprintf(stderr,
                 " frame=%" PRId64 " feature=%d \"%s\" code=%" PRId64
                 " level EXP=%d GOT=%d\n",
                 committed[k], f, m.names && m.names[f] ? m.names[f] : "", code,
                 exp_level, got_level);
  };

  // ---- run
  top->clk = 0;
  hold_reset();
  const uint64_t drain = 64 + 4 * static_cast<uint64_t>(NW) + static_cast<uint64_t>(e->B);
  const uint64_t max_cycles =
      (n * (NW + 2) + 1000) * (backpressure > 0 ? static_cast<uint64_t>(8.0 / (1.0 - backpressure)) : 2) +
      drain;
  uint64_t idle = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (cycle < max_cycles) {
    if (!reset_done && next >= reset_at) {
      // Reset in the middle of a frame: the frames in flight, the partial
      // word and the frame being gathered go; the error flag and the drop
      // counter clear.
      discarded += committed.size() - seg_delivered();
      delivered += seg_delivered();
      hold_reset();
      expect.clear();
      expect_head = 0;
      committed.clear();
      committed_beat.clear();
      bsq_serial_reset(&sr);
      frame_start = next;
      seg_words = 0;
      reset_done = true;
    }
    const bool valid = next < n && !(stall_below && bsq_rng_next(&rng) < stall_below);
    const bool ready = !(stall_below && bsq_rng_next(&rng) < stall_below);
    if (valid) {
      top->s_axis_tdata = static_cast<std::remove_reference_t<decltype(top->s_axis_tdata)>>(tdata[next]);
      top->s_axis_tlast = beats[next].tlast != 0;
    }
    top->s_axis_tvalid = valid;
    top->m_axis_tready = ready;
    top->eval();
    DUMP(2 * cycle);
    const bool in_fire = valid && top->s_axis_tready;
    const bool out_fire = top->m_axis_tvalid && ready;
    if (out_fire) {
      const uint64_t got = static_cast<uint64_t>(top->m_axis_tdata);
      const uint8_t got_last = top->m_axis_tlast;
      if (beats_out++ == drop_word) {
        // fault injection: this beat is lost on the way to the checker
      } else if (expect_head == expect.size()) {
        unexpected++;
        mismatches++;
        if (reports++ < MAX_REPORTS)
          std::fprintf(stderr,
                       "%%Error: %s:%d: cycle=%" PRIu64 " unexpected word GOT=0x%" PRIx64
                       " (no frame left to produce it)\n",
                       __FILE__, __LINE__, cycle, got);
      } else {
        const Expected &x = expect[expect_head];
        if (got != x.word || got_last != x.last) {
          mismatches++;
          if (reports++ < MAX_REPORTS) report(got, got_last, x);
        }
        words_checked++;
        expect_head++;
        seg_words++;
      }
    }
    if (in_fire) {
      int nw = 0;
      const int st = bsq_serial_push(&sr, beats[next].code, beats[next].tlast,
                                     words.data(), lasts.data(), &nw);
      for (int w = 0; w < nw; w++) expect.push_back(Expected{words[w], lasts[w]});
      if (st == BSQ_SERIAL_FRAME) {
        committed.push_back(beats[next].frame);
        committed_beat.push_back(frame_start);
        committed_all++;
      }
      if (st != BSQ_SERIAL_GATHERED) frame_start = next + 1;
      next++;
    }
    tick();
    // the error flag and the drop counter, after the edge
    const int got_err = top->frame_err_o;
    const unsigned got_drops = top->drop_count_o;
    if (got_err != sr.err || got_drops != sr.drops) {
      flag_mismatches++;
      if (reports++ < MAX_REPORTS)
        std::fprintf(stderr,
                     "%%Error: %s:%d: cycle=%" PRIu64 " beat=%" PRIu64
                     " frame_err_o GOT=%d EXP=%d drop_count_o GOT=%u EXP=%u\n",
                     __FILE__, __LINE__, cycle, next, got_err, sr.err, got_drops,
                     sr.drops);
    }
    if (next >= n && expect_head == expect.size() && !top->m_axis_tvalid) {
      if (++idle > drain) break;  // drained; watch a while for extra words
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  delivered += seg_delivered();
  const uint64_t partial = committed.size() - seg_delivered();
  const uint64_t missing = expect.size() - expect_head;
  if (next < n)
    std::fprintf(stderr, "%%Error: cycle=%" PRIu64 " timeout: %" PRIu64 " of %" PRIu64
                 " beats never accepted\n", cycle, n - next, n);
  if (missing)
    std::fprintf(stderr, "%%Error: cycle=%" PRIu64 " %" PRIu64
                 " expected words never came out\n", cycle, missing);
  top->final();
#if defined(BSQ_TRACE_FST) || defined(BSQ_TRACE_VCD)
  if (tfp) tfp->close();
#endif
  const bool pass = mismatches == 0 && flag_mismatches == 0 && missing == 0 &&
                    next == n && delivered + discarded + partial == committed_all;
  std::printf("RESULT frames=%" PRIu64 " words=%" PRIu64 " mismatches=%" PRIu64
              " unexpected=%" PRIu64 " missing=%" PRIu64 " accepted=%" PRIu64
              " total=%" PRIu64 " discarded_by_reset=%" PRIu64 " in_partial_word=%" PRIu64
              " cycles=%" PRIu64 " seconds=%.6f beats=%" PRIu64 " dropped=%" PRIu64
              " flag_mismatches=%" PRIu64 " pass=%d\n",
              delivered, words_checked, mismatches + flag_mismatches, unexpected,
              missing, committed_all, h.nframes, discarded, partial, cycle, seconds,
              next, sr.dropped, flag_mismatches, pass ? 1 : 0);
  bsq_serial_free(&sr);
  bsq_model_free(&m);
  return pass ? 0 : 3;
}
