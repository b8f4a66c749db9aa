// bsq co-simulation harness: drives the generated encoder (verilated with
// --prefix Vdut) with the vectors `bsq sim` wrote, and checks every output
// word and tlast against the C model's packer, called through its C header
// on exactly the frames the DUT accepted (s_axis_tvalid && s_axis_tready).
//
//   harness MODEL.json VECTORS.bin [--backpressure P] [--seed S]
//           [--reset-at N] [--drop-word N] [--trace FILE] [+trace]
//
// Compile-time: BSQ_K (word bits), BSQ_ALIGNED, BSQ_IN_BITS, BSQ_B, and
// BSQ_TRACE_FST or BSQ_TRACE_VCD when built for tracing.
//
// Each cycle: inputs change while clk is low (away from the sampling edge),
// handshakes are sampled, the output beat is compared, then the rising
// edge. Every stimulus frame is presented in order until accepted; m_axis
// tready and s_axis_tvalid drop at random with probability P; a reset
// (rst_n low two cycles) lands in the middle of the stream. A reset
// discards the frames in flight and the partial word, in the DUT and the
// model alike (bsq_packer_reset). At the end the output drains; the run
// passes only if no word differed, none was missing or extra, and every
// frame was accepted exactly once.
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
#include "stream.h"
}

#if !defined(BSQ_K) || !defined(BSQ_ALIGNED) || !defined(BSQ_IN_BITS) || \
    !defined(BSQ_B)
#error "build with -DBSQ_K=.. -DBSQ_ALIGNED=.. -DBSQ_IN_BITS=.. -DBSQ_B=.."
#endif

namespace {

constexpr int K = BSQ_K;
constexpr int NW = (BSQ_B + BSQ_K - 1) / BSQ_K;  // words per aligned frame
constexpr int TD32 = (BSQ_IN_BITS + 31) / 32 < 2 ? 2 : (BSQ_IN_BITS + 31) / 32;
constexpr uint64_t WORD_MASK = K == 64 ? ~0ULL : ((1ULL << K) - 1);
constexpr int MAX_REPORTS = 5;

struct Expected {
  uint64_t word;
  uint8_t last;
};

// Power-of-two ring of expected words not yet seen on m_axis.
class Fifo {
 public:
  explicit Fifo(size_t cap) : buf_(cap), mask_(cap - 1) {}
  bool empty() const { return head_ == tail_; }
  size_t size() const { return tail_ - head_; }
  bool full() const { return size() == buf_.size(); }
  void push(const Expected &e) { buf_[tail_++ & mask_] = e; }
  const Expected &front() const { return buf_[head_ & mask_]; }
  void pop() { head_++; }
  void clear() { head_ = tail_; }

 private:
  std::vector<Expected> buf_;
  size_t mask_;
  size_t head_ = 0, tail_ = 0;
};

template <typename T>
inline void set_tdata(T &dst, const uint32_t *w) {
  if constexpr (std::is_integral<T>::value) {
    dst = static_cast<T>(static_cast<uint64_t>(w[0]) |
                         (static_cast<uint64_t>(w[1]) << 32));
  } else {
    for (size_t i = 0; i < sizeof(dst) / sizeof(uint32_t); i++) dst[i] = w[i];
  }
}

void usage() {
  std::fprintf(stderr,
               "usage: harness MODEL.json VECTORS.bin [--backpressure P] "
               "[--seed S] [--reset-at N] [--drop-word N] [--trace FILE]\n");
}

}  // namespace

int main(int argc, char **argv) {
  const auto contextp = std::make_unique<VerilatedContext>();
  contextp->randReset(2);  // registers start random: a missing reset shows
  contextp->commandArgs(argc, argv);

  const char *model_path = nullptr, *vec_path = nullptr, *trace_path = nullptr;
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
    } else if (!vec_path) {
      vec_path = a;
    } else {
      usage();
      return 2;
    }
  }
  if (!model_path || !vec_path || !(backpressure >= 0.0 && backpressure < 1.0)) {
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
  int in_bits = 0;
  for (int f = 0; f < F; f++) in_bits += e->fmt[f].width;
  if (e->B != BSQ_B || in_bits != BSQ_IN_BITS) {
    std::fprintf(stderr,
                 "%%Error: model has B=%d, %d input bits; the DUT was built "
                 "for B=%d, %d\n",
                 e->B, in_bits, BSQ_B, BSQ_IN_BITS);
    bsq_model_free(&m);
    return 2;
  }
  std::vector<int> feat_lsb(static_cast<size_t>(F) + 1, 0);
  for (int f = 0; f < F; f++) feat_lsb[f + 1] = feat_lsb[f] + e->bits[f];

  // ---- the vectors
  bsq_vec_header h;
  std::vector<int64_t> codes;
  {
    FILE *fp = std::fopen(vec_path, "rb");
    bool ok = fp && std::fread(&h, sizeof h, 1, fp) == 1 &&
              !std::memcmp(h.magic, BSQ_VEC_MAGIC, sizeof h.magic) &&
              h.F == static_cast<uint32_t>(F) && h.B == static_cast<uint32_t>(e->B);
    if (ok) {
      codes.resize(h.nframes * static_cast<uint64_t>(F));
      ok = std::fread(codes.data(), sizeof(int64_t), codes.size(), fp) ==
           codes.size();
    }
    if (fp) std::fclose(fp);
    if (!ok) {
      std::fprintf(stderr, "%%Error: %s: not a vector file for this model\n",
                   vec_path);
      bsq_model_free(&m);
      return 2;
    }
  }
  const uint64_t n = h.nframes;
  if (h.model_hash != bsq_model_hash(&m))
    std::fprintf(stderr, "%%Warning: %s was written for another model\n",
                 vec_path);

  // Per frame: s_axis_tdata (the C model's layout, in 32-bit words) and
  // the C model's levels, for explaining a mismatch.
  std::vector<uint32_t> tdata(n * TD32, 0);
  std::vector<uint8_t> levels(n * static_cast<uint64_t>(F));
  std::vector<uint8_t> tbytes(static_cast<size_t>(bsq_tdata_bytes(e)));
  for (uint64_t i = 0; i < n; i++) {
    const int64_t *c = &codes[i * F];
    uint32_t *t = &tdata[i * TD32];
    bsq_tdata_pack(e, c, tbytes.data());
    for (size_t b = 0; b < tbytes.size(); b++)
      t[b / 4] |= static_cast<uint32_t>(tbytes[b]) << (8 * (b % 4));
    bsq_encoder_levels(e, c, &levels[i * F]);
  }
  std::vector<uint8_t> lv_scratch(static_cast<size_t>(F));
  std::vector<uint8_t> frame_scratch(static_cast<size_t>(bsq_frame_bytes(e)));

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

  bsq_packer pk;
  bsq_packer_init(&pk, e->B, K, BSQ_ALIGNED ? BSQ_MODE_ALIGNED : BSQ_MODE_CONTINUOUS);
  const int maxw = bsq_packer_max_words(e->B, K);
  std::vector<uint64_t> words(static_cast<size_t>(maxw));
  std::vector<uint8_t> lasts(static_cast<size_t>(maxw));
  Fifo expect(1u << 16);

  bsq_rng rng;
  bsq_rng_seed(&rng, seed);
  const uint64_t stall_below =
      backpressure <= 0.0 ? 0
                          : static_cast<uint64_t>(backpressure * 18446744073709551616.0);

  uint64_t cycle = 0, next = 0;          // next stimulus frame to present
  uint64_t seg_first = 0, seg_frames = 0, seg_words = 0;  // since last reset
  uint64_t delivered = 0, discarded = 0, words_checked = 0, beats = 0;
  uint64_t mismatches = 0, unexpected = 0, reports = 0;
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
    uint64_t frame;
    int fbit;
    if (BSQ_ALIGNED) {
      frame = seg_first + seg_words / NW;
      fbit = static_cast<int>(seg_words % NW) * K + bit;
    } else {
      uint64_t sbit = seg_words * K + static_cast<uint64_t>(bit);
      frame = seg_first + sbit / static_cast<uint64_t>(e->B);
      fbit = static_cast<int>(sbit % static_cast<uint64_t>(e->B));
    }
    std::fprintf(stderr,
                 "%%Error: %s:%d: cycle=%" PRIu64 " word=%" PRIu64
                 " GOT=0x%0*" PRIx64 " tlast=%d EXP=0x%0*" PRIx64 " tlast=%d",
                 __FILE__, __LINE__, cycle, beats, (K + 3) / 4, got, got_last,
                 (K + 3) / 4, x.word, x.last);
    if (!diff) {
      std::fprintf(stderr, " (tlast only) frame=%" PRIu64 "\n", frame);
      return;
    }
    if (frame >= n || fbit >= e->B) {
      std::fprintf(stderr, " frame=%" PRIu64 " bit %d (padding)\n", frame, fbit);
      return;
    }
    int f = 0;
    while (feat_lsb[f + 1] <= fbit) f++;
    // The DUT's level: its bits from this word, the model's elsewhere.
    int exp_level = levels[frame * F + f], got_level = exp_level;
    for (int k = 0; k < e->bits[f]; k++) {
      int64_t wb = BSQ_ALIGNED
                       ? static_cast<int64_t>(feat_lsb[f] + k) -
                             static_cast<int64_t>(seg_words % NW) * K
                       : static_cast<int64_t>((frame - seg_first) * e->B +
                                              static_cast<uint64_t>(feat_lsb[f] + k)) -
                             static_cast<int64_t>(seg_words * K);
      if (wb >= 0 && wb < K) {
        got_level &= ~(1 << k);
        got_level |= static_cast<int>((got >> wb) & 1) << k;
      }
    }
    std::fprintf(stderr,
                 " frame=%" PRIu64 " feature=%d \"%s\" code=%" PRId64
                 " level EXP=%d GOT=%d\n",
                 frame, f, m.names && m.names[f] ? m.names[f] : "", codes[frame * F + f],
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
      // Reset in the middle: the frames in flight and the partial word go.
      discarded += seg_frames - seg_delivered();
      delivered += seg_delivered();
      hold_reset();
      expect.clear();
      bsq_packer_reset(&pk);
      seg_first = next;
      seg_frames = seg_words = 0;
      reset_done = true;
    }
    const bool valid = next < n && !(stall_below && bsq_rng_next(&rng) < stall_below);
    const bool ready = !(stall_below && bsq_rng_next(&rng) < stall_below);
    if (valid) set_tdata(top->s_axis_tdata, &tdata[next * TD32]);
    top->s_axis_tvalid = valid;
    top->m_axis_tready = ready;
    top->eval();
    DUMP(2 * cycle);
    const bool in_fire = valid && top->s_axis_tready;
    const bool out_fire = top->m_axis_tvalid && ready;
    if (out_fire) {
      const uint64_t got = static_cast<uint64_t>(top->m_axis_tdata);
      const uint8_t got_last = top->m_axis_tlast;
      if (beats++ == drop_word) {
        // fault injection: this beat is lost on the way to the checker
      } else if (expect.empty()) {
        unexpected++;
        mismatches++;
        if (reports++ < MAX_REPORTS)
          std::fprintf(stderr,
                       "%%Error: %s:%d: cycle=%" PRIu64 " unexpected word GOT=0x%" PRIx64
                       " (no frame left to produce it)\n",
                       __FILE__, __LINE__, cycle, got);
      } else {
        const Expected &x = expect.front();
        if (got != x.word || got_last != x.last) {
          mismatches++;
          if (reports++ < MAX_REPORTS) report(got, got_last, x);
        }
        words_checked++;
        expect.pop();
        seg_words++;
      }
    }
    if (in_fire) {
      const int nw = bsq_encode_push(e, &pk, &codes[next * F], lv_scratch.data(),
                                     frame_scratch.data(), words.data(), lasts.data());
      for (int w = 0; w < nw; w++) expect.push(Expected{words[w], lasts[w]});
      if (expect.full()) {
        std::fprintf(stderr, "%%Error: expected-word queue overflow\n");
        break;
      }
      next++;
      seg_frames++;
    }
    tick();
    if (next >= n && expect.empty() && !top->m_axis_tvalid) {
      if (++idle > drain) break;  // drained; watch a while for extra words
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  delivered += seg_delivered();
  const uint64_t partial = seg_frames - seg_delivered();
  const uint64_t missing = expect.size();
  if (next < n)
    std::fprintf(stderr, "%%Error: cycle=%" PRIu64 " timeout: %" PRIu64 " of %" PRIu64
                 " frames never accepted\n", cycle, n - next, n);
  if (missing)
    std::fprintf(stderr, "%%Error: cycle=%" PRIu64 " %" PRIu64
                 " expected words never came out\n", cycle, static_cast<uint64_t>(missing));
  top->final();
#if defined(BSQ_TRACE_FST) || defined(BSQ_TRACE_VCD)
  if (tfp) tfp->close();
#endif
  const bool pass = mismatches == 0 && missing == 0 && next == n &&
                    delivered + discarded + partial == n;
  std::printf("RESULT frames=%" PRIu64 " words=%" PRIu64 " mismatches=%" PRIu64
              " unexpected=%" PRIu64 " missing=%" PRIu64 " accepted=%" PRIu64
              " total=%" PRIu64 " discarded_by_reset=%" PRIu64 " in_partial_word=%" PRIu64
              " cycles=%" PRIu64 " seconds=%.6f pass=%d\n",
              delivered, words_checked, mismatches, unexpected, static_cast<uint64_t>(missing),
              next, n, discarded, partial, cycle, seconds, pass ? 1 : 0);
  bsq_model_free(&m);
  return pass ? 0 : 3;
}
