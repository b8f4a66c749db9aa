// bsq_packer: the gearbox from FrameBits-bit frames to WordBits-bit words
// (docs/design.md 2.5; C model: bsq_packer_push in
// model/quant.c). Model-independent, hand-written; the generator copies this
// file next to the encoder it emits.
//
// Frame bits enter a bit buffer LSB first, appended above the bits already
// held; the lowest WordBits bits leave as one word. In aligned mode a frame
// is zero-padded to a whole number of words first, so words never straddle
// frames and the last word of every frame carries word_last.
//
// Sizing (PadBits = padded frame width, WordBits = K):
//   the buffer holds CAP = K + 2 * PadBits - 1 bits and accepts a frame
//   while it holds at most K + PadBits - 1. With the output always ready
//   this accepts a frame every cycle when PadBits <= K (the count never
//   exceeds K + PadBits - 1), and keeps the output busy every cycle when
//   PadBits > K (it only refuses while holding at least 2K + 1 bits).
//   frame_ready and all word_* outputs come straight from flops: there is
//   no combinational path from word_ready to frame_ready.
//
// Reset (rst_n low, asynchronous) discards everything held, the partial
// word included; the stream restarts on a word boundary.

`default_nettype none

module bsq_packer #(
  parameter integer FrameBits = 8,
  parameter integer WordBits  = 8,
  parameter integer Aligned   = 0
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

  localparam integer WORDS_PER_FRAME = (FrameBits + WordBits - 1) / WordBits;
  localparam integer PAD_BITS = (Aligned != 0) ? WORDS_PER_FRAME * WordBits
                                               : FrameBits;
  localparam integer CAP_BITS = WordBits + 2 * PAD_BITS - 1;
  localparam integer CNT_W    = clog2(CAP_BITS + 1);
  localparam integer WCNT_W   = (WORDS_PER_FRAME > 1) ? clog2(WORDS_PER_FRAME)
                                                      : 1;

  localparam integer READY_MAX_I = WordBits + PAD_BITS - 1;
  localparam integer WCNT_LAST_I = WORDS_PER_FRAME - 1;
  localparam integer PAD_I       = PAD_BITS;
  localparam integer WORD_I      = WordBits;

  // The same constants at their register widths.
  localparam [CNT_W-1:0]  WORD_CNT  = WORD_I[CNT_W-1:0];
  localparam [CNT_W-1:0]  PAD_CNT   = PAD_I[CNT_W-1:0];
  localparam [CNT_W-1:0]  READY_MAX = READY_MAX_I[CNT_W-1:0];
  localparam [WCNT_W-1:0] WCNT_LAST = WCNT_LAST_I[WCNT_W-1:0];

  // State: the bit buffer (bits at and above cnt_q are zero), its fill
  // count, and registered flags for the outputs.
  reg [CAP_BITS-1:0] buf_q, buf_d;
  reg [CNT_W-1:0]    cnt_q, cnt_d;
  reg                vld_q, vld_d;
  reg                rdy_q, rdy_d;
  reg                last_q, last_d;
  reg [WCNT_W-1:0]   wcnt_q, wcnt_d;  // words sent of the current frame

  wire pop  = vld_q & word_ready;
  wire push = frame_valid & rdy_q;

  reg [CAP_BITS-1:0] buf_after;
  reg [CNT_W-1:0]    cnt_after;

  always @* begin
    buf_after = pop ? (buf_q >> WordBits) : buf_q;
    cnt_after = pop ? (cnt_q - WORD_CNT) : cnt_q;
    buf_d     = buf_after;
    cnt_d     = cnt_after;
    if (push) begin
      buf_d = buf_after | ({{(CAP_BITS - FrameBits){1'b0}}, frame_data}
                           << cnt_after);
      cnt_d = cnt_after + PAD_CNT;
    end
    vld_d = (cnt_d >= WORD_CNT);
    rdy_d = (cnt_d <= READY_MAX);
    wcnt_d = wcnt_q;
    if (pop) begin
      wcnt_d = (wcnt_q == WCNT_LAST) ? {WCNT_W{1'b0}} : wcnt_q + 1'b1;
    end
    last_d = (Aligned != 0) && (wcnt_d == WCNT_LAST);
  end

  always @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      buf_q  <= {CAP_BITS{1'b0}};
      cnt_q  <= {CNT_W{1'b0}};
      vld_q  <= 1'b0;
      rdy_q  <= 1'b1;
      last_q <= (Aligned != 0) && (WCNT_LAST == {WCNT_W{1'b0}});
      wcnt_q <= {WCNT_W{1'b0}};
    end else begin
      buf_q  <= buf_d;
      cnt_q  <= cnt_d;
      vld_q  <= vld_d;
      rdy_q  <= rdy_d;
      last_q <= last_d;
      wcnt_q <= wcnt_d;
    end
  end

  assign frame_ready = rdy_q;
  assign word_valid  = vld_q;
  assign word_data   = buf_q[WordBits-1:0];
  assign word_last   = last_q;

endmodule

`default_nettype wire
