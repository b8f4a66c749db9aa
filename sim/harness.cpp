// bsq co-simulation harness: drives the generated encoder (verilated with
// --prefix Vdut) with the vectors `bsq sim` wrote, and checks every output
// word and tlast against the C model's packer, called through its C header
// on exactly the frames the DUT accepted (s_axis_tvalid && s_axis_tready).
//
//   harness MODEL.json VECTORS.bin [--backpressure P] [--seed S]
//           [--reset-at N] [--drop-word N] [--trace FILE] [+trace]
//
// Compile-time: BSQ_K (word bits), BSQ_ALIGNED, BSQ_IN_BITS, BSQ_B, and
// BSQ_TRACE_FST or BSQ_TRACE_VCD when built for tracing. What it shares
// with the serial harness, the AXI4-Stream rule checks among it, is in
// harness_common.h.
//
// Each cycle: inputs change while clk is low (away from the sampling edge),
// handshakes are sampled, the AXI4-Stream rules checked, the output beat
// compared, then the rising edge. Every stimulus frame is presented in
// order and held until accepted; s_axis_tvalid (between frames) and
// m_axis_tready drop at random with probability P, and m_axis_tready is
// held low for random spans; a reset
// (rst_n low two cycles) lands in the middle of the stream. A reset
// discards the frames in flight and the partial word, in the DUT and the
// model alike (bsq_packer_reset). At the end the output drains; the run
// passes only if no word differed, none was missing or extra, every frame
// was accepted exactly once and no AXI4-Stream rule was broken.
//
// With frame sync (BSQ_SYNC=N) the expected words come from the C model's
// framer, s_axis_tuser carries a flush flag (one frame in 8 and the last),
// and each segment's words, as sent, are decoded by the C model's receiver
// (bsq_sync_unpack): it must deliver the segment's frames in order, up to
// where the reset cut it, and in the last segment all of them, with no
// resync, nothing dropped or unconfirmed. The RESULT line adds sync_*
// counts.
//
// Prints %Error lines (first few mismatches) on stderr and one
// "RESULT key=value ..." line on stdout. Exit 0 pass, 3 fail, 2 bad input.

#include <chrono>

#include "Vdut.h"

extern "C" {
#include "model.h"
#include "quant.h"
#include "stream.h"
}

#if !defined(BSQ_IN_BITS)
#error "build with -DBSQ_IN_BITS=.."
#endif

#include "harness_common.h"

namespace {

constexpr int IN_PORT = pad_to_bytes(BSQ_IN_BITS);  // s_axis_tdata's width
constexpr int TD32 = (IN_PORT + 31) / 32 < 2 ? 2 : (IN_PORT + 31) / 32;

template <typename T>
inline void set_tdata(T &dst, const uint32_t *w) {
  if constexpr (std::is_integral<T>::value) {
    dst = static_cast<T>(static_cast<uint64_t>(w[0]) |
                         (static_cast<uint64_t>(w[1]) << 32));
  } else {
    for (size_t i = 0; i < sizeof(dst) / sizeof(uint32_t); i++) dst[i] = w[i];
  }
}

}  // namespace

int main(int argc, char **argv) {
  const auto contextp = std::make_unique<VerilatedContext>();
  contextp->randReset(2);  // registers start random: a missing reset shows
  contextp->commandArgs(argc, argv);
  Args a;
  if (parse_args(argc, argv, "harness", "VECTORS.bin", &a)) return 2;

  // ---- the model, through its C header
  bsq_model m;
  if (load_model(a.model_path, &m)) return 2;
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
    FILE *fp = std::fopen(a.in_path, "rb");
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
                   a.in_path);
      bsq_model_free(&m);
      return 2;
    }
  }
  const uint64_t n = h.nframes;
  if (h.model_hash != bsq_model_hash(&m))
    std::fprintf(stderr, "%%Warning: %s was written for another model\n",
                 a.in_path);

  // Per frame, from the C model, once: s_axis_tdata (its layout, in
  // 32-bit words), the levels (also for explaining a mismatch) and the
  // packed frame, which its packer turns into words as the DUT accepts
  // the frame (bsq_encode_push in three steps, the first two ahead).
  // The rate counts this work too: the clock starts here.
  const auto t0 = std::chrono::steady_clock::now();
  const size_t FB = static_cast<size_t>(bsq_frame_bytes(e));
  std::vector<uint32_t> tdata(n * TD32, 0);
  std::vector<uint8_t> levels(n * static_cast<uint64_t>(F));
  std::vector<uint8_t> frames(n * FB, 0);
  std::vector<uint8_t> tbytes(static_cast<size_t>(bsq_tdata_bytes(e)));
  for (uint64_t i = 0; i < n; i++) {
    const int64_t *c = &codes[i * F];
    uint32_t *t = &tdata[i * TD32];
    bsq_tdata_pack(e, c, tbytes.data());
    for (size_t b = 0; b < tbytes.size(); b++)
      t[b / 4] |= static_cast<uint32_t>(tbytes[b]) << (8 * (b % 4));
    // --byte-tdata: garbage in the pad bits, which the DUT must ignore
    for (int bit = BSQ_IN_BITS; bit < IN_PORT; bit++)
      if ((i * 2654435761u + static_cast<uint64_t>(bit) * 40503u) >> 7 & 1u)
        t[bit / 32] |= 1u << (bit % 32);
    bsq_encoder_levels(e, c, &levels[i * F]);
    bsq_frame_pack(e, &levels[i * F], &frames[i * FB]);
  }

  // ---- the DUT
  const auto top = std::make_unique<Vdut>(contextp.get(), "TOP");
  Bench bench(contextp.get(), top.get(), a.trace_path);

  bsq_packer pk;
  bsq_packer_init(&pk, e->B, K, MODE);
  bsq_framer fr;  // with frame sync, in place of pk
  if (SYNC) bsq_framer_init(&fr, e->B, K, MODE, SYNC);
  const int maxw = SYNC ? bsq_framer_max_words(e->B, K)
                        : bsq_packer_max_words(e->B, K);
  std::vector<uint64_t> words(static_cast<size_t>(maxw));
  std::vector<uint8_t> lasts(static_cast<size_t>(maxw));
  Outputs out;
  // frame sync: the flush flags, the words the DUT sent in this segment,
  // the receiver's count
  const std::vector<uint8_t> flush = flush_flags(SYNC ? n : 0, a.seed);
  std::vector<uint64_t> seg_got;
  SyncRx rx;
  uint64_t rx_delivered = 0;  // frames the receiver found, earlier segments
  const bool exact = a.drop_word == UINT64_MAX;

  Stalls stalls(a.backpressure, a.seed);
  AxisRules rules(AXIS_LATENCY + static_cast<uint64_t>(
                                     SYNC ? bsq_sync_marker_slots(e->B, K) : 0));
  // A reset of the model: the words the framer's marker completes.
  auto model_reset = [&]() -> bool {
    if (!SYNC) {
      bsq_packer_reset(&pk);
      return true;
    }
    const int nw = bsq_framer_reset(&fr, words.data(), lasts.data());
    return out.push(words.data(), lasts.data(), nw, bench.cycle);
  };

  uint64_t next = 0;                     // next stimulus frame to present
  uint64_t seg_first = 0, seg_frames = 0;  // since the last reset
  uint64_t delivered = 0, discarded = 0;
  bool reset_done = a.reset_at >= n, presenting = false;
  // The receiver on the segment just ended (frame sync only).
  auto rx_segment = [&]() -> uint64_t {
    const std::vector<uint8_t> sent(frames.begin() + static_cast<long>(seg_first * FB),
                                    frames.begin() + static_cast<long>((seg_first + seg_frames) * FB));
    const uint64_t got = rx.segment(seg_got, sent, e->B, static_cast<int>(FB), exact);
    seg_got.clear();
    return got;
  };

  auto seg_delivered = [&]() -> uint64_t {
    if (SYNC) return rx_delivered;  // set by rx_segment at the segment's end
    return BSQ_ALIGNED ? out.seg_words / NW
                       : out.seg_words * K / static_cast<uint64_t>(e->B);
  };

  // Explains a differing word: which frame, feature and code it came from.
  auto report = [&](uint64_t got, uint8_t got_last, const Expected &x) {
    uint64_t diff = (got ^ x.word) & WORD_MASK;
    int bit = diff ? __builtin_ctzll(diff) : 0;
    uint64_t k;
    int fbit;
    locate_bit(out.seg_words, bit, e->B, &k, &fbit);
    const uint64_t frame = seg_first + k;
    report_head(__FILE__, __LINE__, bench.cycle, out.beats, got, got_last, x);
    if (SYNC) {  // markers among the frames: the word is not located
      std::fprintf(stderr, " (frame sync: segment word %" PRIu64 ")\n",
                   out.seg_words);
      return;
    }
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
    const int exp_level = levels[frame * F + f];
    std::fprintf(stderr,
                 " frame=%" PRIu64 " feature=%d \"%s\" code=%" PRId64
                 " level EXP=%d GOT=%d\n",
                 frame, f, m.names && m.names[f] ? m.names[f] : "", codes[frame * F + f],
                 exp_level,
                 got_level(got, exp_level, e->bits[f], feat_lsb[f], k, out.seg_words, e->B));
  };

  // ---- run
  top->clk = 0;
  bench.hold_reset();
  bool ok = model_reset();
  const uint64_t drain = 64 + 4 * static_cast<uint64_t>(NW) + static_cast<uint64_t>(e->B);
  const uint64_t max_cycles =
      cycle_budget(budget_inputs(n, e->B), stalls.slowdown(), a.backpressure, drain);
  uint64_t idle = 0;
  while (ok && bench.cycle < max_cycles) {
    if (!reset_done && next >= a.reset_at) {
      // Reset in the middle: the frames in flight and the partial word go.
      if (SYNC) rx_delivered = rx_segment();
      discarded += seg_frames - seg_delivered();
      delivered += seg_delivered();
      bench.hold_reset();
      out.reset();
      if (!model_reset()) break;
      rules.reset();
      seg_first = next;
      seg_frames = 0;
      reset_done = true;
      presenting = false;
    }
    // a beat once presented stays until the handshake
    const bool valid = presenting || (next < n && stalls.valid());
    const bool ready = stalls.ready();
    if (valid) set_tdata(top->s_axis_tdata, &tdata[next * TD32]);
#if BSQ_SYNC
    if (valid) top->s_axis_tuser = flush[next];
#endif
    top->s_axis_tvalid = valid;
    top->m_axis_tready = ready;
    top->eval();
    rules.check(top.get(), bench.cycle, valid, next, ready, out.front_due);
    bench.dump_low();
    const bool in_fire = valid && top->s_axis_tready;
    const bool out_fire = top->m_axis_tvalid && ready;
    presenting = valid && !in_fire;
    if (out_fire) {
      const uint64_t got = static_cast<uint64_t>(top->m_axis_tdata) & WORD_MASK;
      if (SYNC && out.beats != a.drop_word) seg_got.push_back(got);
      out.beat(got, top->m_axis_tlast, bench.cycle, a.drop_word, report);
    }
    if (in_fire) {
      const int nw =
          SYNC ? bsq_framer_push(&fr, &frames[next * FB], flush[next],
                                 words.data(), lasts.data())
               : bsq_packer_push(&pk, &frames[next * FB], words.data(), lasts.data());
      if (!out.push(words.data(), lasts.data(), nw, bench.cycle)) break;
      next++;
      seg_frames++;
    }
    bench.tick();
    if (next >= n && out.empty() && !top->m_axis_tvalid) {
      if (++idle > drain) break;  // drained; watch a while for extra words
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (SYNC) rx_delivered = rx_segment();
  delivered += seg_delivered();
  const uint64_t partial = seg_frames - seg_delivered();
  const uint64_t missing = out.missing();
  report_unfinished(bench.cycle, n, next, missing, "frames");
  top->final();
  bench.close();
  // frame sync: every frame of the last segment found (its last frame is
  // flagged flush), nothing the receiver had to search for or discard
  const bool sync_ok = !SYNC || (rx.bad == 0 && partial == 0 && rx.last_resyncs == 0 &&
                                 rx.last_dropped == 0 && rx.last_tail == 0);
  const bool pass = ok && out.mismatches == 0 && rules.violations == 0 && missing == 0 &&
                    next == n && delivered + discarded + partial == n && sync_ok;
  std::printf("RESULT frames=%" PRIu64 " words=%" PRIu64 " mismatches=%" PRIu64
              " unexpected=%" PRIu64 " missing=%" PRIu64 " accepted=%" PRIu64
              " total=%" PRIu64 " discarded_by_reset=%" PRIu64 " in_partial_word=%" PRIu64
              " cycles=%" PRIu64 " seconds=%.6f axi_violations=%" PRIu64,
              delivered, out.checked, out.mismatches, out.unexpected, missing,
              next, n, discarded, partial, bench.cycle, seconds, rules.violations);
  if (SYNC) rx.print(stdout);
  std::printf(" pass=%d\n", pass ? 1 : 0);
  bsq_model_free(&m);
  return pass ? 0 : 3;
}
