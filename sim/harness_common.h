// bsq co-simulation harnesses: what harness.cpp (flash, search) and
// serial_harness.cpp (serial) share. The command line, the waveform, the
// clock and reset, the stall pattern, the AXI4-Stream rule checks on both
// ports, and the explanation of a differing word. Included by exactly one
// translation unit each (its names are in an unnamed namespace); it needs
// BSQ_K, BSQ_ALIGNED and BSQ_B, and Vdut.h included before it.
//
// The AXI4-Stream rules (ARM IHI 0051A, 2.2), checked at every sampling
// point, between the input change and the rising edge:
//   - m_axis_tvalid, m_axis_tdata and m_axis_tlast stay as they are from a
//     cycle with m_axis_tvalid && !m_axis_tready to the next cycle;
//   - m_axis_tvalid does not wait on m_axis_tready: m_axis_tready is held
//     low for random spans longer than the encoder's latency (AXIS_LATENCY
//     cycles), and a word the C model says is due must come up within it;
//   - no combinational path from m_axis_tready to s_axis_tready or to
//     m_axis_tvalid: every cycle m_axis_tready is flipped, the DUT
//     evaluated, and both must stay as they were;
//   - the harness's own master keeps s_axis_tvalid and s_axis_tdata up
//     until the handshake (checked too, as the harness's own guard).
// A broken rule prints one "%Error: axi: cycle=N rule=NAME ..." line (the
// first few per rule) and counts in axi_violations of the RESULT line.
//
// Frame sync (BSQ_SYNC=N > 0, a design generated with --sync N): the
// expected words are the C model's framer's (bsq_framer_reset at every
// reset, bsq_framer_push per accepted frame with its flush flag), a
// marker's words come up to M cycles later than a frame's (the latency
// allowance grows by M), and SyncRx decodes the words the DUT sent, one
// segment (reset to reset) at a time, with the C model's receiver
// (bsq_sync_unpack): it must find the frames accepted, in order.

#ifndef BSQ_SIM_HARNESS_COMMON_H
#define BSQ_SIM_HARNESS_COMMON_H

#include <verilated.h>

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#if defined(BSQ_TRACE_FST)
#include <verilated_fst_c.h>
#elif defined(BSQ_TRACE_VCD)
#include <verilated_vcd_c.h>
#endif

extern "C" {
#include "model.h"
#include "rng.h"
#include "sync.h"
}

#if !defined(BSQ_BYTE_TDATA)
#define BSQ_BYTE_TDATA 0
#endif
#if !defined(BSQ_SYNC)
#define BSQ_SYNC 0
#endif

#if !defined(BSQ_K) || !defined(BSQ_ALIGNED) || !defined(BSQ_B)
#error "build with -DBSQ_K=.. -DBSQ_ALIGNED=.. -DBSQ_B=.."
#endif

namespace {

constexpr int K = BSQ_K;
constexpr int NW = (BSQ_B + BSQ_K - 1) / BSQ_K;  // words per aligned frame
constexpr uint64_t WORD_MASK = K == 64 ? ~0ULL : ((1ULL << K) - 1);
constexpr int MAX_REPORTS = 5;
constexpr int SYNC = BSQ_SYNC;  // frame sync group N, 0: off
// --byte-tdata: both tdata ports padded to whole bytes; the harness drives
// random bits into the input's pad (ignored) and checks the output's (zero)
constexpr bool BYTE_TDATA = BSQ_BYTE_TDATA != 0;
constexpr int pad_to_bytes(int bits) {
  return BYTE_TDATA ? (bits + 7) / 8 * 8 : bits;
}
constexpr bsq_mode MODE = BSQ_ALIGNED ? BSQ_MODE_ALIGNED : BSQ_MODE_CONTINUOUS;
// Cycles from the acceptance of the input that completes a word to the word
// on m_axis, at most, with m_axis_tready low: input register, quantizer
// stages (8 at most), gather (serial), packer; with room to spare.
constexpr uint64_t AXIS_LATENCY = 32;
// A held-low span of m_axis_tready starts in a cycle with probability
// 1/SPAN_EVERY (only with back-pressure) and lasts SPAN_MIN..2 SPAN_MIN-1.
constexpr uint64_t SPAN_EVERY = 256, SPAN_MIN = AXIS_LATENCY + 8;

struct Expected {
  uint64_t word;
  uint8_t last;
  uint64_t due;  // cycle the input that completes it was accepted
};

// ---- the command line

struct Args {
  const char *model_path = nullptr, *in_path = nullptr, *trace_path = nullptr;
  double backpressure = 0.0;
  uint64_t seed = 1, reset_at = UINT64_MAX, drop_word = UINT64_MAX;
};

// 0, or 2 after the usage line (prog names the harness, in_name its input).
inline int parse_args(int argc, char **argv, const char *prog,
                      const char *in_name, Args *a) {
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    const bool has = i + 1 < argc;
    if (!std::strcmp(s, "--backpressure") && has) {
      a->backpressure = std::strtod(argv[++i], nullptr);
    } else if (!std::strcmp(s, "--seed") && has) {
      a->seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(s, "--reset-at") && has) {
      a->reset_at = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(s, "--drop-word") && has) {
      a->drop_word = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(s, "--trace") && has) {
      a->trace_path = argv[++i];
    } else if (!std::strcmp(s, "+trace")) {
      a->trace_path = "";
    } else if (s[0] == '+') {
      // other plusargs are Verilator's
    } else if (!a->model_path) {
      a->model_path = s;
    } else if (!a->in_path) {
      a->in_path = s;
    } else {
      a->model_path = nullptr;
      break;
    }
  }
  if (!a->model_path || !a->in_path ||
      !(a->backpressure >= 0.0 && a->backpressure < 1.0)) {
    std::fprintf(stderr,
                 "usage: %s MODEL.json %s [--backpressure P] [--seed S] "
                 "[--reset-at N] [--drop-word N] [--trace FILE]\n",
                 prog, in_name);
    return 2;
  }
  return 0;
}

// ---- the model, through its C header

// 0, or 2 after the %Error line.
inline int load_model(const char *path, bsq_model *m) {
  bsq_diag diag;
  if (bsq_model_load(m, path, &diag) == BSQ_OK) return 0;
  std::fprintf(stderr, "%%Error: %s\n", diag.msg);
  return 2;
}

// The lines of a run that did not finish: inputs never accepted (what
// names them: "frames", "beats"), expected words that never came out.
inline void report_unfinished(uint64_t cycle, uint64_t n, uint64_t next,
                              uint64_t missing, const char *what) {
  if (next < n)
    std::fprintf(stderr, "%%Error: cycle=%" PRIu64 " timeout: %" PRIu64
                 " of %" PRIu64 " %s never accepted\n", cycle, n - next, n, what);
  if (missing)
    std::fprintf(stderr, "%%Error: cycle=%" PRIu64 " %" PRIu64
                 " expected words never came out\n", cycle, missing);
}

// ---- the waveform (when built for tracing), the clock and reset

class Bench {
 public:
  Bench(VerilatedContext *ctx, Vdut *top, const char *trace_path)
      : top_(top) {
#if defined(BSQ_TRACE_FST) || defined(BSQ_TRACE_VCD)
    if (trace_path) {
      ctx->traceEverOn(true);
      tfp_ = std::make_unique<TraceFile>();
      top_->trace(tfp_.get(), 99);
#if defined(BSQ_TRACE_FST)
      tfp_->open(*trace_path ? trace_path : "harness.fst");
#else
      tfp_->open(*trace_path ? trace_path : "harness.vcd");
#endif
    }
#else
    (void)ctx;
    if (trace_path)
      std::fprintf(stderr, "%%Warning: harness built without tracing\n");
#endif
  }
  uint64_t cycle = 0;
  // The low half of the cycle, inputs as they are now.
  void dump_low() { dump(2 * cycle); }
  // The rising edge; clk low again (not evaluated) afterwards.
  void tick() {
    top_->clk = 1;
    top_->eval();
    dump(2 * cycle + 1);
    cycle++;
    top_->clk = 0;
  }
  // rst_n low two cycles, both streams idle.
  void hold_reset() {
    top_->s_axis_tvalid = 0;
    top_->m_axis_tready = 0;
    top_->rst_n = 0;
    for (int i = 0; i < 2; i++) {
      top_->eval();
      dump_low();
      tick();
    }
    top_->rst_n = 1;
  }
  void close() {
#if defined(BSQ_TRACE_FST) || defined(BSQ_TRACE_VCD)
    if (tfp_) tfp_->close();
#endif
  }

 private:
  void dump(uint64_t t) {
#if defined(BSQ_TRACE_FST) || defined(BSQ_TRACE_VCD)
    if (tfp_) tfp_->dump(t);
#else
    (void)t;
#endif
  }
#if defined(BSQ_TRACE_FST)
  typedef VerilatedFstC TraceFile;
#elif defined(BSQ_TRACE_VCD)
  typedef VerilatedVcdC TraceFile;
#endif
#if defined(BSQ_TRACE_FST) || defined(BSQ_TRACE_VCD)
  std::unique_ptr<TraceFile> tfp_;
#endif
  Vdut *top_;
};

// ---- the stall pattern

// s_axis_tvalid and m_axis_tready drop with probability P in a cycle; with
// P > 0, m_axis_tready is also held low for random spans (see above). The
// master never drops s_axis_tvalid before the handshake: the caller asks
// valid() only when no beat is being presented.
class Stalls {
 public:
  Stalls(double p, uint64_t seed)
      : below_(p <= 0.0 ? 0 : static_cast<uint64_t>(p * 18446744073709551616.0)) {
    bsq_rng_seed(&rng_, seed);
  }
  bool valid() { return !(below_ && bsq_rng_next(&rng_) < below_); }
  // m_axis_tready for this cycle.
  bool ready() {
    if (below_ && span_left_ == 0 && bsq_rng_below(&rng_, SPAN_EVERY) == 0)
      span_left_ = SPAN_MIN + bsq_rng_below(&rng_, SPAN_MIN);
    if (span_left_) {
      span_left_--;
      return false;
    }
    return !(below_ && bsq_rng_next(&rng_) < below_);
  }
  double slowdown() const {
    // the cycles the spans add, and the drops, for the cycle budget
    return below_ ? 2.0 : 1.0;
  }

 private:
  bsq_rng rng_;
  uint64_t below_;
  uint64_t span_left_ = 0;
};

// ---- the AXI4-Stream rules

class AxisRules {
 public:
  uint64_t violations = 0;
  // latency: AXIS_LATENCY, plus the marker slots with frame sync
  explicit AxisRules(uint64_t latency = AXIS_LATENCY) : latency_(latency) {}

  // At the sampling point of bench.cycle, DUT evaluated with this cycle's
  // inputs (s_valid, s_index: the beat presented, ready: m_axis_tready).
  // due: the cycle the oldest expected word not yet out became due, or
  // UINT64_MAX when none is. The DUT is evaluated again (m_axis_tready
  // flipped and restored).
  template <typename T>
  void check(T *top, uint64_t cycle, bool s_valid, uint64_t s_index,
             bool ready, uint64_t due) {
    const bool m_valid = top->m_axis_tvalid;
    const uint64_t m_data = static_cast<uint64_t>(top->m_axis_tdata) & WORD_MASK;
    // --byte-tdata: m_axis_tdata's pad bits above K are zero
    if (BYTE_TDATA && K < 64 && m_valid &&
        (static_cast<uint64_t>(top->m_axis_tdata) >> K) != 0)
      fail(R_PAD, cycle, "m_axis_tdata has pad bits set above bit %d: "
           "0x%" PRIx64, K - 1, static_cast<uint64_t>(top->m_axis_tdata));
    const bool m_last = top->m_axis_tlast;
    const bool s_ready = top->s_axis_tready;
    // the master port (the DUT's): stable while stalled
    if (m_stalled_) {
      if (!m_valid)
        fail(R_VALID, cycle, "m_axis_tvalid dropped before the handshake "
             "(up and stalled since cycle %" PRIu64 ")", m_since_);
      else if (m_data != m_data_)
        fail(R_DATA, cycle, "m_axis_tdata changed while m_axis_tvalid && "
             "!m_axis_tready: GOT=0x%" PRIx64 " was 0x%" PRIx64
             " (stalled since cycle %" PRIu64 ")", m_data, m_data_, m_since_);
      else if (m_last != m_last_)
        fail(R_LAST, cycle, "m_axis_tlast changed while m_axis_tvalid && "
             "!m_axis_tready: GOT=%d was %d (stalled since cycle %" PRIu64 ")",
             m_last, m_last_, m_since_);
    }
    if (m_valid && !ready) {
      if (!m_stalled_) m_since_ = cycle;
      m_stalled_ = true;
      m_data_ = m_data;
      m_last_ = m_last;
    } else {
      m_stalled_ = false;
    }
    // tvalid must not wait on tready
    if (ready) {
      low_since_ = UINT64_MAX;
      waited_ = false;
    } else if (low_since_ == UINT64_MAX) {
      low_since_ = cycle;
    }
    if (!ready && !m_valid && due != UINT64_MAX && !waited_) {
      const uint64_t from = due > low_since_ ? due : low_since_;
      if (cycle - from > latency_) {
        waited_ = true;
        fail(R_WAIT, cycle, "m_axis_tvalid waits on m_axis_tready: a word "
             "is due since cycle %" PRIu64 ", m_axis_tready low since cycle %"
             PRIu64 ", m_axis_tvalid still low", due, low_since_);
      }
    }
    // combinational paths from m_axis_tready
    top->m_axis_tready = !ready;
    top->eval();
    const bool s_ready_f = top->s_axis_tready, m_valid_f = top->m_axis_tvalid;
    top->m_axis_tready = ready;
    top->eval();
    if (s_ready_f != s_ready)
      fail(R_COMB_S, cycle, "combinational path m_axis_tready -> "
           "s_axis_tready: s_axis_tready=%d with m_axis_tready=%d, %d with %d",
           s_ready, ready, s_ready_f, !ready);
    if (m_valid_f != m_valid)
      fail(R_COMB_V, cycle, "combinational path m_axis_tready -> "
           "m_axis_tvalid: m_axis_tvalid=%d with m_axis_tready=%d, %d with %d",
           m_valid, ready, m_valid_f, !ready);
    // the slave port: the harness's own master holds its beat
    if (s_stalled_ && (!s_valid || s_index != s_index_))
      fail(R_MASTER, cycle, "the harness dropped s_axis_tvalid or changed "
           "s_axis_tdata before the handshake");
    s_stalled_ = s_valid && !s_ready;
    s_index_ = s_index;
  }
  // A reset: both streams start afresh.
  void reset() {
    m_stalled_ = s_stalled_ = waited_ = false;
    low_since_ = UINT64_MAX;
  }

 private:
  enum { R_VALID, R_DATA, R_LAST, R_WAIT, R_COMB_S, R_COMB_V, R_MASTER, R_PAD,
         R_N };
  void fail(int rule, uint64_t cycle, const char *fmt, ...)
#if defined(__GNUC__)
      __attribute__((format(printf, 4, 5)))
#endif
  {
    static const char *const names[R_N] = {
        "tvalid-stable", "tdata-stable", "tlast-stable", "tvalid-no-wait",
        "no-comb-ready", "no-comb-valid", "master-holds", "pad-zero"};
    violations++;
    if (reported_[rule]++ >= MAX_REPORTS) return;
    std::fprintf(stderr, "%%Error: axi: cycle=%" PRIu64 " rule=%s: ", cycle,
                 names[rule]);
    va_list ap;
    va_start(ap, fmt);
    std::vfprintf(stderr, fmt, ap);
    va_end(ap);
    std::fputc('\n', stderr);
  }
  bool m_stalled_ = false, m_last_ = false, s_stalled_ = false, waited_ = false;
  uint64_t m_data_ = 0, m_since_ = 0, s_index_ = 0, low_since_ = UINT64_MAX;
  uint64_t latency_;
  int reported_[R_N] = {0};
};

// ---- frame sync: the receiver's view of what the DUT sent

// The flush flags the harness drives on s_axis_tuser: one in 8 at random
// (a generator of their own, so the stall pattern is the same with and
// without sync), and always on the last, so that every bit leaves.
inline std::vector<uint8_t> flush_flags(uint64_t n, uint64_t seed) {
  std::vector<uint8_t> f(n, 0);
  bsq_rng r;
  bsq_rng_seed(&r, seed ^ 0x7475736572ULL);  // "tuser"
  for (uint64_t i = 0; i < n; i++)
    f[i] = bsq_rng_below(&r, 8) == 0 || i + 1 == n;
  return f;
}

class SyncRx {
 public:
  // Over all segments: what bsq_sync_unpack found, and the frames it
  // delivered that were not the ones sent (bad; must stay 0).
  uint64_t frames = 0, groups = 0, resyncs = 0, skipped_bits = 0,
           dropped = 0, tail = 0, bad = 0;
  // The last segment's: a segment a reset cut may end in a damaged group
  // (dropped, searched past) or unconfirmed frames; the last one, whose
  // last frame is flagged flush, must have none.
  uint64_t last_resyncs = 0, last_dropped = 0, last_tail = 0;
  // Decodes one segment: got, the words the DUT sent (as the receiver
  // would see them: a --drop-word fault leaves one out), sent, the frames
  // accepted in the segment (fb bytes each). exact: every frame delivered
  // must be the sent frame at the same place (no fault injected);
  // otherwise the delivered frames must come in order from the sent ones.
  // Returns the frames delivered.
  uint64_t segment(const std::vector<uint64_t> &got,
                   const std::vector<uint8_t> &sent, int B, int fb,
                   bool exact) {
    const uint64_t nsent = sent.size() / static_cast<size_t>(fb);
    const uint64_t cap = bsq_sync_max_frames(got.size(), B, K, MODE) + 1;
    std::vector<uint8_t> out(cap * static_cast<uint64_t>(fb));
    bsq_sync_stats st;
    std::memset(&st, 0, sizeof st);
    if (bsq_sync_unpack(got.data(), got.size(), B, K, MODE, SYNC, fb,
                        out.data(), &st) != 0) {
      bad++;
      std::fprintf(stderr, "%%Error: sync: the receiver refused the stream\n");
      return 0;
    }
    uint64_t j = 0;
    for (uint64_t i = 0; i < st.frames; i++, j++) {
      const uint8_t *f = &out[i * static_cast<uint64_t>(fb)];
      if (!exact)
        while (j < nsent && std::memcmp(f, &sent[j * static_cast<uint64_t>(fb)],
                                        static_cast<size_t>(fb)) != 0)
          j++;
      if (j >= nsent || std::memcmp(f, &sent[j * static_cast<uint64_t>(fb)],
                                    static_cast<size_t>(fb)) != 0) {
        if (bad++ < MAX_REPORTS)
          std::fprintf(stderr,
                       "%%Error: sync: frame %" PRIu64 " the receiver found "
                       "(after %" PRIu64 " earlier segments' frames) is not "
                       "frame %" PRIu64 " of the %" PRIu64 " sent\n",
                       i, frames, j, nsent);
        if (j >= nsent) break;
      }
    }
    frames += st.frames;
    groups += st.groups;
    resyncs += st.resyncs;
    skipped_bits += st.skipped_bits;
    dropped += st.dropped_frames;
    tail += st.tail_frames;
    last_resyncs = st.resyncs;
    last_dropped = st.dropped_frames;
    last_tail = st.tail_frames;
    return st.frames;
  }
  void print(FILE *fp) const {
    std::fprintf(fp,
                 " sync=%d sync_frames=%" PRIu64 " sync_groups=%" PRIu64
                 " sync_resyncs=%" PRIu64 " sync_skipped_bits=%" PRIu64
                 " sync_dropped=%" PRIu64 " sync_tail=%" PRIu64
                 " sync_bad=%" PRIu64,
                 SYNC, frames, groups, resyncs, skipped_bits, dropped, tail, bad);
  }
};

// ---- the expected words and the check of every output beat

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

// The C model's words, in order, against the beats of m_axis.
class Outputs {
 public:
  uint64_t beats = 0;      // handshakes on m_axis
  uint64_t checked = 0;    // words compared
  uint64_t seg_words = 0;  // words compared since the last reset
  uint64_t mismatches = 0, unexpected = 0, reports = 0;
  // The cycle since which the oldest expected word is due, or UINT64_MAX.
  uint64_t front_due = UINT64_MAX;

  bool empty() const { return expect_.empty(); }
  uint64_t missing() const { return expect_.size(); }
  // The words the input accepted in `cycle` completes; false when the
  // queue overflowed.
  bool push(const uint64_t *words, const uint8_t *lasts, int n,
            uint64_t cycle) {
    for (int w = 0; w < n; w++) expect_.push(Expected{words[w], lasts[w], cycle});
    if (front_due == UINT64_MAX && !expect_.empty()) front_due = cycle;
    if (!expect_.full()) return true;
    std::fprintf(stderr, "%%Error: expected-word queue overflow\n");
    return false;
  }
  // A reset: what was expected is gone, the segment starts afresh.
  void reset() {
    expect_.clear();
    seg_words = 0;
    front_due = UINT64_MAX;
  }
  // A handshake on m_axis in `cycle`. Beat drop_word is lost on the way
  // (fault injection); a differing word is explained by explain(got,
  // got_last, expected), called before it counts.
  template <typename Explain>
  void beat(uint64_t got, uint8_t got_last, uint64_t cycle, uint64_t drop_word,
            Explain explain) {
    if (beats++ == drop_word) return;
    if (expect_.empty()) {
      unexpected++;
      mismatches++;
      if (reports++ < MAX_REPORTS)
        std::fprintf(stderr,
                     "%%Error: cycle=%" PRIu64 " unexpected word GOT=0x%" PRIx64
                     " (no frame left to produce it)\n",
                     cycle, got);
      return;
    }
    const Expected &x = expect_.front();
    if (got != x.word || got_last != x.last) {
      mismatches++;
      if (reports++ < MAX_REPORTS) explain(got, got_last, x);
    }
    checked++;
    expect_.pop();
    seg_words++;
    // the next word is due from now at the earliest
    front_due = expect_.empty()              ? UINT64_MAX
                : expect_.front().due > cycle ? expect_.front().due
                                              : cycle;
  }

 private:
  Fifo expect_{1u << 16};
};

// ---- explaining a differing word

// Where bit `bit` of the seg_words-th word since the reset lies: the frame
// of the segment and the bit of that frame.
inline void locate_bit(uint64_t seg_words, int bit, int B, uint64_t *frame,
                       int *fbit) {
  if (BSQ_ALIGNED) {
    *frame = seg_words / NW;
    *fbit = static_cast<int>(seg_words % NW) * K + bit;
  } else {
    const uint64_t sbit = seg_words * K + static_cast<uint64_t>(bit);
    *frame = sbit / static_cast<uint64_t>(B);
    *fbit = static_cast<int>(sbit % static_cast<uint64_t>(B));
  }
}

// The DUT's level of a feature (bits `bits` from frame bit `lsb`) of the
// frame-th frame of the segment: its bits from this word, the model's
// (exp) elsewhere.
inline int got_level(uint64_t got, int exp, int bits, int lsb, uint64_t frame,
                     uint64_t seg_words, int B) {
  int lv = exp;
  for (int k = 0; k < bits; k++) {
    const int64_t wb =
        BSQ_ALIGNED
            ? static_cast<int64_t>(lsb + k) -
                  static_cast<int64_t>(seg_words % NW) * K
            : static_cast<int64_t>(frame * static_cast<uint64_t>(B) +
                                   static_cast<uint64_t>(lsb + k)) -
                  static_cast<int64_t>(seg_words * K);
    if (wb >= 0 && wb < K) {
      lv &= ~(1 << k);
      lv |= static_cast<int>((got >> wb) & 1) << k;
    }
  }
  return lv;
}

// The start of a word mismatch line (the caller adds what it knows).
inline void report_head(const char *file, int line, uint64_t cycle,
                        uint64_t word, uint64_t got, int got_last,
                        const Expected &x) {
  std::fprintf(stderr,
               "%%Error: %s:%d: cycle=%" PRIu64 " word=%" PRIu64
               " GOT=0x%0*" PRIx64 " tlast=%d EXP=0x%0*" PRIx64 " tlast=%d",
               file, line, cycle, word, (K + 3) / 4, got, got_last,
               (K + 3) / 4, x.word, x.last);
}

// Inputs a run's cycle budget counts for n: with frame sync every input
// may close a group and bring M marker slots (a cycle each) behind it.
inline uint64_t budget_inputs(uint64_t n, int B) {
  if (!SYNC) return n;
  const uint64_t m = static_cast<uint64_t>(bsq_sync_marker_slots(B, K));
  return n * (1 + m) + m;
}

// Cycles a run may take before it is a timeout.
inline uint64_t cycle_budget(uint64_t n, double slowdown, double p,
                             uint64_t drain) {
  return static_cast<uint64_t>(
             static_cast<double>(n * (NW + 2) + 1000) * slowdown *
             (p > 0 ? 8.0 / (1.0 - p) : 2.0)) +
         drain;
}

}  // namespace

#endif
