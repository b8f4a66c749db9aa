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
// AXI4-Stream rules checked (harness_common.h), the output beat compared,
// then the rising edge. Every beat is presented in order and held until
// accepted; s_axis_tvalid (between beats) and m_axis_tready drop at random
// with probability P, and m_axis_tready is held low for random spans. --reset-at N holds rst_n low two cycles before beat
// N (`bsq sim` picks one in the middle of a frame); the DUT and the model
// are both reset, and the beats after it go on as they come, so the rest
// of the interrupted frame arrives as a frame of its own (dropped, its
// tlast early). Beats with a misplaced tlast come from the beat file.
//
// With frame sync (BSQ_SYNC=N) s_axis_tuser is driven at random on every
// beat (one in 8, and on the last); the design samples it with the tlast
// beat of a frame, the C model's framer takes the frame the reference
// completes with that beat's flag, and each segment's words, as sent, are
// decoded by the C model's receiver (as in harness.cpp).
//
// Prints %Error lines (first few mismatches) on stderr and one
// "RESULT key=value ..." line on stdout. Exit 0 pass, 3 fail, 2 bad input.

#include <chrono>

#include "Vdut.h"

extern "C" {
#include "model.h"
#include "quant.h"
#include "serial.h"
}

#if !defined(BSQ_TW)
#error "build with -DBSQ_TW=.."
#endif

#include "harness_common.h"

int main(int argc, char **argv) {
  const auto contextp = std::make_unique<VerilatedContext>();
  contextp->randReset(2);  // registers start random: a missing reset shows
  contextp->commandArgs(argc, argv);

  Args a;
  if (parse_args(argc, argv, "serial_harness", "BEATS.bin", &a)) return 2;

  // ---- the model, through its C header
  bsq_model m;
  if (load_model(a.model_path, &m)) return 2;
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
    FILE *fp = std::fopen(a.in_path, "rb");
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
                   a.in_path);
      bsq_model_free(&m);
      return 2;
    }
  }
  const uint64_t n = h.nbeats;
  if (h.model_hash != bsq_model_hash(&m))
    std::fprintf(stderr, "%%Warning: %s was written for another model\n",
                 a.in_path);
  std::vector<uint64_t> tdata(n);
  for (uint64_t i = 0; i < n; i++) {
    tdata[i] = bsq_serial_tdata(e, beats[i].chan, beats[i].code);
    // --byte-tdata: garbage in the pad bits, which the DUT must ignore
    for (int bit = BSQ_TW; bit < pad_to_bytes(BSQ_TW); bit++)
      if ((i * 2654435761u + static_cast<uint64_t>(bit) * 40503u) >> 7 & 1u)
        tdata[i] |= 1ULL << bit;
  }

  // ---- the DUT
  const auto top = std::make_unique<Vdut>(contextp.get(), "TOP");
  Bench bench(contextp.get(), top.get(), a.trace_path);

  bsq_serial sr;
  if (bsq_serial_init(&sr, e, K, BSQ_ALIGNED ? BSQ_MODE_ALIGNED : BSQ_MODE_CONTINUOUS)) {
    std::fprintf(stderr, "%%Error: out of memory\n");
    bsq_model_free(&m);
    return 2;
  }
  // frame sync: the framer after the reference (its own packer unused)
  bsq_framer fr;
  if (SYNC) bsq_framer_init(&fr, e->B, K, MODE, SYNC);
  const int maxw = SYNC ? bsq_framer_max_words(e->B, K)
                        : bsq_packer_max_words(e->B, K);
  std::vector<uint64_t> words(static_cast<size_t>(maxw));
  std::vector<uint8_t> lasts(static_cast<size_t>(maxw));
  Outputs out;
  const size_t FB = static_cast<size_t>(bsq_frame_bytes(e));
  const std::vector<uint8_t> flush = flush_flags(SYNC ? n : 0, a.seed);
  std::vector<uint64_t> seg_got;  // the words the DUT sent in this segment
  std::vector<uint8_t> seg_sent;  // the frames the reference completed in it
  SyncRx rx;
  uint64_t rx_delivered = 0;
  const bool exact = a.drop_word == UINT64_MAX;
  // Per segment (since the last reset): the stimulus frame of each frame
  // the reference completed, and the first beat of each, for explaining a
  // mismatch.
  std::vector<int64_t> committed;
  std::vector<uint64_t> committed_beat;
  uint64_t frame_start = 0;  // first beat of the frame being gathered

  Stalls stalls(a.backpressure, a.seed);
  AxisRules rules(AXIS_LATENCY + static_cast<uint64_t>(
                                     SYNC ? bsq_sync_marker_slots(e->B, K) : 0));
  // A reset of the framer: the words its marker completes.
  auto framer_reset = [&]() -> bool {
    if (!SYNC) return true;
    const int nw = bsq_framer_reset(&fr, words.data(), lasts.data());
    return out.push(words.data(), lasts.data(), nw, bench.cycle);
  };
  // The receiver on the segment just ended (frame sync only).
  auto rx_segment = [&]() -> uint64_t {
    const uint64_t got = rx.segment(seg_got, seg_sent, e->B, static_cast<int>(FB), exact);
    seg_got.clear();
    seg_sent.clear();
    return got;
  };

  uint64_t next = 0;  // next beat to present
  bool presenting = false;
  uint64_t delivered = 0, discarded = 0, committed_all = 0;
  uint64_t flag_mismatches = 0;
  bool reset_done = a.reset_at >= n;

  auto seg_delivered = [&]() -> uint64_t {
    if (SYNC) return rx_delivered;  // set by rx_segment at the segment's end
    return BSQ_ALIGNED ? out.seg_words / NW
                       : out.seg_words * K / static_cast<uint64_t>(e->B);
  };
  // Explains a differing word: which frame, feature and code it came from.
  auto report = [&](uint64_t got, uint8_t got_last, const Expected &x) {
    uint64_t diff = (got ^ x.word) & WORD_MASK;
    int bit = diff ? __builtin_ctzll(diff) : 0;
    uint64_t k;  // the frame of the segment
    int fbit;
    locate_bit(out.seg_words, bit, e->B, &k, &fbit);
    report_head(__FILE__, __LINE__, bench.cycle, out.beats, got, got_last, x);
    if (SYNC) {  // markers among the frames: the word is not located
      std::fprintf(stderr, " (frame sync: segment word %" PRIu64 ")\n",
                   out.seg_words);
      return;
    }
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
    const int exp_level = bsq_level(e, f, code);
    std::fprintf(stderr,
                 " frame=%" PRId64 " feature=%d \"%s\" code=%" PRId64
                 " level EXP=%d GOT=%d\n",
                 committed[k], f, m.names && m.names[f] ? m.names[f] : "", code,
                 exp_level,
                 got_level(got, exp_level, e->bits[f], feat_lsb[f], k, out.seg_words, e->B));
  };

  // ---- run
  top->clk = 0;
  bench.hold_reset();
  bool ok = framer_reset();
  const uint64_t drain = 64 + 4 * static_cast<uint64_t>(NW) + static_cast<uint64_t>(e->B);
  const uint64_t max_cycles =
      cycle_budget(budget_inputs(n, e->B), stalls.slowdown(), a.backpressure, drain);
  uint64_t idle = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (ok && bench.cycle < max_cycles) {
    if (!reset_done && next >= a.reset_at) {
      // Reset in the middle of a frame: the frames in flight, the partial
      // word and the frame being gathered go; the error flag and the drop
      // counter clear.
      if (SYNC) rx_delivered = rx_segment();
      discarded += committed.size() - seg_delivered();
      delivered += seg_delivered();
      bench.hold_reset();
      rules.reset();
      out.reset();
      presenting = false;
      committed.clear();
      committed_beat.clear();
      bsq_serial_reset(&sr);
      if (!framer_reset()) break;
      frame_start = next;
      reset_done = true;
    }
    // a beat once presented stays until the handshake
    const bool valid = presenting || (next < n && stalls.valid());
    const bool ready = stalls.ready();
    if (valid) {
      top->s_axis_tdata = static_cast<std::remove_reference_t<decltype(top->s_axis_tdata)>>(tdata[next]);
      top->s_axis_tlast = beats[next].tlast != 0;
#if BSQ_SYNC
      top->s_axis_tuser = flush[next];
#endif
    }
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
      int nw = 0;
      const int st = bsq_serial_push(&sr, beats[next].code, beats[next].tlast,
                                     words.data(), lasts.data(), &nw);
      if (SYNC) {  // the completed frame through the framer, with its flag
        nw = 0;
        if (st == BSQ_SERIAL_FRAME) {
          nw = bsq_framer_push(&fr, sr.frame, flush[next], words.data(), lasts.data());
          seg_sent.insert(seg_sent.end(), sr.frame, sr.frame + FB);
        }
      }
      if (!out.push(words.data(), lasts.data(), nw, bench.cycle)) break;
      if (st == BSQ_SERIAL_FRAME) {
        committed.push_back(beats[next].frame);
        committed_beat.push_back(frame_start);
        committed_all++;
      }
      if (st != BSQ_SERIAL_GATHERED) frame_start = next + 1;
      next++;
    }
    bench.tick();
    // the error flag and the drop counter, after the edge
    const int got_err = top->frame_err_o;
    const unsigned got_drops = top->drop_count_o;
    if (got_err != sr.err || got_drops != sr.drops) {
      flag_mismatches++;
      if (out.reports++ < MAX_REPORTS)
        std::fprintf(stderr,
                     "%%Error: %s:%d: cycle=%" PRIu64 " beat=%" PRIu64
                     " frame_err_o GOT=%d EXP=%d drop_count_o GOT=%u EXP=%u\n",
                     __FILE__, __LINE__, bench.cycle, next, got_err, sr.err, got_drops,
                     sr.drops);
    }
    if (next >= n && out.empty() && !top->m_axis_tvalid) {
      if (++idle > drain) break;  // drained; watch a while for extra words
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (SYNC) rx_delivered = rx_segment();
  delivered += seg_delivered();
  const uint64_t partial = committed.size() - seg_delivered();
  const uint64_t missing = out.missing();
  report_unfinished(bench.cycle, n, next, missing, "beats");
  top->final();
  bench.close();
  // frame sync: as in harness.cpp; the last frame completed is flagged
  // flush only if its tlast beat is the last beat, so unconfirmed frames
  // at the end count as in_partial_word
  const bool sync_ok = !SYNC || (rx.bad == 0 && rx.last_resyncs == 0 &&
                                 rx.last_dropped == 0 && partial == rx.last_tail);
  const bool pass = ok && out.mismatches == 0 && flag_mismatches == 0 &&
                    rules.violations == 0 && missing == 0 &&
                    next == n && delivered + discarded + partial == committed_all &&
                    sync_ok;
  std::printf("RESULT frames=%" PRIu64 " words=%" PRIu64 " mismatches=%" PRIu64
              " unexpected=%" PRIu64 " missing=%" PRIu64 " accepted=%" PRIu64
              " total=%" PRIu64 " discarded_by_reset=%" PRIu64 " in_partial_word=%" PRIu64
              " cycles=%" PRIu64 " seconds=%.6f beats=%" PRIu64 " dropped=%" PRIu64
              " flag_mismatches=%" PRIu64 " axi_violations=%" PRIu64,
              delivered, out.checked, out.mismatches + flag_mismatches, out.unexpected,
              missing, committed_all, h.nframes, discarded, partial, bench.cycle, seconds,
              next, sr.dropped, flag_mismatches, rules.violations);
  if (SYNC) rx.print(stdout);
  std::printf(" pass=%d\n", pass ? 1 : 0);
  bsq_serial_free(&sr);
  bsq_model_free(&m);
  return pass ? 0 : 3;
}
