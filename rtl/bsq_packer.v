// bsq_packer: the gearbox from FrameBits-bit frames to WordBits-bit words
// (docs/design.md 3.3; C model: bsq_packer_push in model/quant.c).
// Model-independent, hand-written; the generator copies this file next to
// the encoder it emits.
//
// The stream is the frame bits LSB first, each frame's bits above the
// last one's; every WordBits (K) bits leave as one word, the earliest bit
// in word bit 0. In aligned mode a frame is zero-padded to a whole number
// of words first (P = the padded frame width; P = FrameBits otherwise), so
// words never straddle frames and the last word of every frame carries
// word_last.
//
// Control, shared by both datapaths below: a fill count (bits held and
// unread, kept in units of G0 = gcd(P, K), which divides every count)
// gives word_valid (count >= K) and frame_ready (count <= LIM). Their
// next values are chosen by the two handshake bits {pop, push} from four
// compares of the count with constants each, all precomputed from flops,
// so word_ready reaches a flop through one 4-way choice.
//
// Sizing: with the output always ready the count stays at most
// K + P - G0 when P <= K, so a frame is accepted every cycle if
// LIM >= K + P - G0; when P > K the output is busy every cycle if a frame
// is refused only while holding at least 2K bits: LIM >= 2K - G0. The
// capacity is LIM + P bits.
//
// Datapath, chosen by a cost model (Arch = 0; 1 or 2 force one, for tests):
//   ring  (Arch 1): SLOTS frame slots of P bits (RING = SLOTS * P >= the
//         capacity). A frame is written whole into the next free slot, at
//         a fixed place: no shifter on the input side. A word is the K-bit
//         window of the ring at the read pointer, which only stands at
//         multiples of G = gcd(K, RING): an NPOS-input multiplexer per bit
//         (NPOS = RING / G), whose select is a flop. SLOTS is the least that
//         holds the capacity, or up to twice that when it makes NPOS
//         enough smaller. Best when frames are not much wider than words.
//   shift (Arch 2): one buffer of LIM + P bits, the oldest bit in bit 0,
//         bits above the count zero; a pop shifts it down K bits, a push ORs
//         the frame in above the held bits through a log2(LIM / G0 + 1)
//         stage shifter driven by the count (a flop). LIM at its least
//         keeps that shifter short: best for frames much wider than words.
//   Cost model, in iCE40 logic cells (measured on both): ring, a cell per
//   stored frame bit and one per multiplexer input of each word bit;
//   shift, two per buffer bit and one per bit and shifter stage.
//
// frame_ready, word_valid and word_last come straight from flops;
// word_data from flops (ring: through the window multiplexer). There is no
// combinational path from any input to any output. While word_valid is
// high and word_ready low nothing word_data depends on changes.
//
// Reset (rst_n low, asynchronous) discards everything held, the partial
// word included; the stream restarts on a word boundary.

`default_nettype none

module bsq_packer #(
  parameter integer FrameBits = 8,
  parameter integer WordBits  = 8,
  parameter integer Aligned   = 0,
  parameter integer Arch      = 0   // 0 by cost, 1 ring, 2 shift
) (
  input  wire                 clk,
  input  wire                 rst_n,
  input  wire                 frame_valid,
  output wire                 frame_ready,
  input  wire [FrameBits-1:0] frame_data,
  output wire                 word_valid,
  input  wire                 word_ready,
  output wire [WordBits-1:0]  word_data,
  output wire                 word_last
);

  // Ceiling of log2, for register widths (a constant function: Verilog-2001
  // has no $clog2).
  function integer clog2;
    input integer value;
    integer rest;
    begin
      rest = value - 1;
      clog2 = 0;
      while (rest > 0) begin
        clog2 = clog2 + 1;
        rest = rest >> 1;
      end
    end
  endfunction

  function integer gcd;
    input integer a;
    input integer b;
    integer x, y, t;
    begin
      x = a;
      y = b;
      while (y != 0) begin
        t = x % y;
        x = y;
        y = t;
      end
      gcd = x;
    end
  endfunction

  // Ring cost of n slots (see the cost model above).
  function integer ring_cost;
    input integer n;
    input integer p;
    input integer k;
    input integer stored;  // bits of a slot that are not constant padding
    begin
      ring_cost = n * stored + k * ((n * p) / gcd(k, n * p));
    end
  endfunction

  function integer ring_slots;
    input integer need;  // bits the ring must hold
    input integer p;
    input integer k;
    input integer stored;
    integer nmin, n;
    begin
      nmin = (need + p - 1) / p;
      ring_slots = nmin;
      for (n = nmin + 1; n <= 2 * nmin; n = n + 1)
        if (ring_cost(n, p, k, stored) < ring_cost(ring_slots, p, k, stored))
          ring_slots = n;
    end
  endfunction

  // A count threshold for {pop, push} = i (bit 1 pop, bit 0 push): base
  // plus K for a pop, minus P for a push (in count units).
  function integer adj;
    input integer i;
    input integer base;
    input integer k;
    input integer p;
    begin
      adj = base + ((i >= 2) ? k : 0) - ((i % 2 == 1) ? p : 0);
    end
  endfunction

  // x >= t and x <= t for a constant t, as AND/OR chains from the LSB
  // (which map to LUTs; a compare operator becomes a carry chain on
  // iCE40, slower here than a LUT or two).
  function ge_const;
    input [31:0] x;
    input integer t;
    input integer width;
    integer i;
    begin
      ge_const = 1'b1;
      for (i = 0; i < width; i = i + 1)
        ge_const = t[i] ? (x[i] & ge_const) : (x[i] | ge_const);
    end
  endfunction

  function le_const;
    input [31:0] x;
    input integer t;
    input integer width;
    integer i;
    begin
      le_const = 1'b1;
      for (i = 0; i < width; i = i + 1)
        le_const = t[i] ? (~x[i] | le_const) : (~x[i] & le_const);
    end
  endfunction

  localparam integer WORDS_PER_FRAME = (FrameBits + WordBits - 1) / WordBits;
  localparam integer P     = (Aligned != 0) ? WORDS_PER_FRAME * WordBits
                                            : FrameBits;
  localparam integer K     = WordBits;
  localparam integer G0    = gcd(P, K);
  localparam integer LIM   = (P <= K) ? K + P - G0 : 2 * K - G0;
  localparam integer NEED  = LIM + P;  // capacity in bits

  localparam integer SLOTS = ring_slots(NEED, P, K, FrameBits);
  localparam integer RING  = SLOTS * P;
  localparam integer SH_W  = clog2(LIM / G0 + 1);  // shifter stages
  localparam integer USE_RING =
      (Arch == 1) ? 1 : (Arch == 2) ? 0
    : (ring_cost(SLOTS, P, K, FrameBits) <= NEED * (2 + SH_W)) ? 1 : 0;

  // The count, in units of G0, runs from 0 to CAP_U.
  localparam integer CAP_BITS = (USE_RING != 0) ? RING : NEED;
  localparam integer K_U   = K / G0;
  localparam integer P_U   = P / G0;
  localparam integer CAP_U = CAP_BITS / G0;
  localparam integer LIM_U = (CAP_BITS - P) / G0;
  localparam integer CNT_W = clog2(CAP_U + 1);
  localparam integer WCNT_W = (WORDS_PER_FRAME > 1) ? clog2(WORDS_PER_FRAME)
                                                    : 1;
  localparam integer WCNT_LAST_I = WORDS_PER_FRAME - 1;

  localparam [CNT_W-1:0]  K_CNT     = K_U[CNT_W-1:0];
  localparam [CNT_W-1:0]  P_CNT     = P_U[CNT_W-1:0];
  localparam [WCNT_W-1:0] WCNT_LAST = WCNT_LAST_I[WCNT_W-1:0];

  // Control state: the fill count, registered flags for the outputs, and
  // the words sent of the current frame (aligned mode's word_last).
  reg [CNT_W-1:0]  cnt_q, cnt_d;
  reg              vld_q, vld_d;
  reg              rdy_q, rdy_d;
  reg              last_q, last_d;
  reg [WCNT_W-1:0] wcnt_q, wcnt_d;

  wire pop  = vld_q & word_ready;
  wire push = frame_valid & rdy_q;

  // For each {pop, push} = i, with c = cnt_q - K*pop + P*push the count
  // after the cycle: v[i] = (c >= K), r[i] = (c <= LIM), i.e. cnt_q
  // compared with a constant (or a constant result where the compare
  // cannot go both ways).
  wire [3:0] v, r;
  genvar gi;
  generate
    for (gi = 0; gi < 4; gi = gi + 1) begin : g_next
      localparam integer T = adj(gi, K_U, K_U, P_U);
      localparam integer L = adj(gi, LIM_U, K_U, P_U);
      if (T <= 0) begin : g_v_always
        assign v[gi] = 1'b1;
      end else if (T > CAP_U) begin : g_v_never
        assign v[gi] = 1'b0;
      end else begin : g_v
        assign v[gi] = ge_const({{(32 - CNT_W){1'b0}}, cnt_q}, T, CNT_W);
      end
      if (L < 0) begin : g_r_never
        assign r[gi] = 1'b0;
      end else if (L >= CAP_U) begin : g_r_always
        assign r[gi] = 1'b1;
      end else begin : g_r
        assign r[gi] = le_const({{(32 - CNT_W){1'b0}}, cnt_q}, L, CNT_W);
      end
    end
  endgenerate

  always @* begin
    cnt_d = cnt_q;
    if (push) cnt_d = cnt_d + P_CNT;
    if (pop)  cnt_d = cnt_d - K_CNT;
    vld_d = v[{pop, push}];
    rdy_d = r[{pop, push}];
    wcnt_d = wcnt_q;
    if (pop) wcnt_d = (wcnt_q == WCNT_LAST) ? {WCNT_W{1'b0}} : wcnt_q + 1'b1;
    last_d = (Aligned != 0) && (wcnt_d == WCNT_LAST);
  end

  always @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      cnt_q  <= {CNT_W{1'b0}};
      vld_q  <= 1'b0;
      rdy_q  <= 1'b1;
      last_q <= (Aligned != 0) && (WCNT_LAST == {WCNT_W{1'b0}});
      wcnt_q <= {WCNT_W{1'b0}};
    end else begin
      cnt_q  <= cnt_d;
      vld_q  <= vld_d;
      rdy_q  <= rdy_d;
      last_q <= last_d;
      wcnt_q <= wcnt_d;
    end
  end

  // The padded frame.
  wire [P-1:0] frame_pad;
  generate
    if (P > FrameBits) begin : g_pad
      assign frame_pad = {{(P - FrameBits){1'b0}}, frame_data};
    end else begin : g_nopad
      assign frame_pad = frame_data;
    end
  endgenerate

  generate
    if (USE_RING != 0) begin : g_ring
      localparam integer G      = gcd(K, RING);
      localparam integer NPOS   = RING / G;  // read pointer positions
      localparam integer STEP   = K / G;     // positions per word
      localparam integer POS_W  = clog2(NPOS);
      localparam integer SLOT_W = (SLOTS > 1) ? clog2(SLOTS) : 1;
      localparam integer SLOT_LAST_I = SLOTS - 1;
      localparam integer POS_WRAP_I  = NPOS - STEP;  // wraps from here on
      localparam [SLOT_W-1:0] SLOT_LAST = SLOT_LAST_I[SLOT_W-1:0];
      localparam [POS_W-1:0]  STEP_POS  = STEP[POS_W-1:0];
      localparam [POS_W-1:0]  POS_WRAP  = POS_WRAP_I[POS_W-1:0];

      // The ring (slot s in bits s*P .. s*P+P-1), the write slot, the read
      // position (the window starts at bit pos_q * G) and the slot loads.
      // The write slot is loaded whenever it is free (rdy_q), whether or
      // not a frame arrives: nothing the window reads is in it, and only a
      // push advances wslot_q and the count. So the slot flops' enable is
      // itself a flop (we_q[s] == rdy_q && wslot_q == s, kept so).
      reg [RING-1:0]   ring_q, ring_d;
      reg [SLOT_W-1:0] wslot_q, wslot_d;
      reg [POS_W-1:0]  pos_q, pos_d;
      reg [SLOTS-1:0]  we_q, we_d;

      // The ring twice over, so every window is one part-select.
      wire [2*RING-1:0] ring2 = {ring_q, ring_q};
      reg  [K-1:0]      window;
      integer s, m;

      always @* begin
        ring_d = ring_q;
        for (s = 0; s < SLOTS; s = s + 1)
          if (we_q[s]) ring_d[s*P +: P] = frame_pad;
        wslot_d = wslot_q;
        if (push) wslot_d = (wslot_q == SLOT_LAST) ? {SLOT_W{1'b0}}
                                                   : wslot_q + 1'b1;
        for (s = 0; s < SLOTS; s = s + 1)
          we_d[s] = rdy_d && wslot_d == s[SLOT_W-1:0];
        pos_d = pos_q;
        if (pop) pos_d = (pos_q >= POS_WRAP) ? pos_q - POS_WRAP
                                             : pos_q + STEP_POS;
        window = {K{1'b0}};
        for (m = 0; m < NPOS; m = m + 1)
          if (pos_q == m[POS_W-1:0]) window = ring2[m*G +: K];
      end

      always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
          ring_q  <= {RING{1'b0}};
          wslot_q <= {SLOT_W{1'b0}};
          pos_q   <= {POS_W{1'b0}};
          we_q    <= {{(SLOTS - 1){1'b0}}, 1'b1};
        end else begin
          ring_q  <= ring_d;
          wslot_q <= wslot_d;
          pos_q   <= pos_d;
          we_q    <= we_d;
        end
      end

      assign word_data = window;
    end else begin : g_shift
      // The buffer: bit 0 the oldest held bit, bits at and above the count
      // zero. The frame, shifted up by the count (stage t shifts by
      // G0 * 2^t when count bit t is set; when a frame is pushed the count
      // is at most LIM, below 2^SH_W units), is ORed in above the held
      // bits; a pop then drops the lowest K (which are held bits: a pop
      // needs count >= K).
      reg [NEED-1:0] buf_q, buf_d;
      reg [NEED-1:0] ins, held;
      integer t;

      always @* begin
        ins = {{(NEED - P){1'b0}}, frame_pad};
        for (t = 0; t < SH_W; t = t + 1)
          if (cnt_q[t]) ins = ins << (G0 << t);
        held = push ? (buf_q | ins) : buf_q;
        buf_d = pop ? (held >> K) : held;
      end

      always @(posedge clk or negedge rst_n) begin
        if (!rst_n) buf_q <= {NEED{1'b0}};
        else        buf_q <= buf_d;
      end

      assign word_data = buf_q[K-1:0];
    end
  endgenerate

  assign frame_ready = rdy_q;
  assign word_valid  = vld_q;
  assign word_last   = last_q;

endmodule

`default_nettype wire
