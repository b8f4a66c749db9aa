// bsq_framer: frame sync between the quantizers and the packer
// (docs/design.md 3.6; C model: bsq_framer_reset / bsq_framer_push in
// model/sync.c, contract in model/sync.h). Model-independent,
// hand-written; the generator copies this file next to the encoder it
// emits when --sync is on, and computes Marker from the C model.
//
// The stream becomes   marker f f ... f marker f ... f marker ...
// A marker is Slots marker slots of FrameBits bits each (slot i is
// Marker[i*FrameBits +: FrameBits]); to the packer a slot is a frame like
// any other, so the packer is unchanged. A group is a marker and then 1 to
// Group data frames. After reset the framer presents the first marker's
// slots at once, one per cycle the packer takes one, without waiting for
// data. After the Group-th frame of a group, or after a frame whose flush
// flag is set, it presents the next marker's slots at once; the marker
// being at least WordBits bits, it pushes the group's last data bit out of
// the packer (the flush).
//
// State: mk_q (presenting marker slots), slot_q (the slot presented),
// grp_q (data frames in the open group). While mk_q is set in_ready is low
// and the quantizers' frame waits: Slots cycles per group at full speed.
//
// Outputs: out_valid = mk_q | in_valid, out_data = a constant slot chosen
// by slot_q, or in_data; in_ready = ~mk_q & out_ready. With in_valid and
// in_data from the quantizers' registers and out_ready the packer's
// frame_ready flop, every output is a function of flops and constants:
// no combinational path from the top's m_axis_tready.
//
// Reset (rst_n low, asynchronous): the first group's marker is next.

`default_nettype none

module bsq_framer #(
  parameter integer FrameBits = 8,
  parameter integer Group     = 1,   // N, 1..65535
  parameter integer Slots     = 4,   // M = bsq_sync_marker_slots(B, K)
  parameter [Slots*FrameBits-1:0] Marker = {Slots*FrameBits{1'b0}}
) (
  input  wire                 clk,
  input  wire                 rst_n,
  input  wire                 in_valid,
  output wire                 in_ready,
  input  wire [FrameBits-1:0] in_data,
  input  wire                 in_flush,
  output wire                 out_valid,
  input  wire                 out_ready,
  output wire [FrameBits-1:0] out_data
);

  // Ceiling of log2, for register widths (Verilog-2001 has no $clog2).
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

  localparam integer SLOT_W = (Slots > 1) ? clog2(Slots) : 1;
  localparam integer GRP_W  = (Group > 1) ? clog2(Group) : 1;
  localparam integer SLOT_LAST_I = Slots - 1;
  localparam integer GRP_LAST_I  = Group - 1;
  localparam [SLOT_W-1:0] SLOT_LAST = SLOT_LAST_I[SLOT_W-1:0];
  localparam [GRP_W-1:0]  GRP_LAST  = GRP_LAST_I[GRP_W-1:0];

  reg              mk_q, mk_d;
  reg [SLOT_W-1:0] slot_q, slot_d;
  reg [GRP_W-1:0]  grp_q, grp_d;
  reg [FrameBits-1:0] slot_data;
  integer i;

  wire data_fire = in_valid & ~mk_q & out_ready;  // a data frame goes on

  always @* begin
    mk_d = mk_q;
    slot_d = slot_q;
    grp_d = grp_q;
    if (mk_q) begin
      if (out_ready) begin  // this slot goes on (out_valid is high)
        if (slot_q == SLOT_LAST) begin
          mk_d = 1'b0;
          slot_d = {SLOT_W{1'b0}};
        end else begin
          slot_d = slot_q + 1'b1;
        end
      end
    end else if (data_fire) begin
      if (in_flush || grp_q == GRP_LAST) begin  // the group ends here
        mk_d = 1'b1;
        grp_d = {GRP_W{1'b0}};
      end else begin
        grp_d = grp_q + 1'b1;
      end
    end
    slot_data = {FrameBits{1'b0}};
    for (i = 0; i < Slots; i = i + 1)
      if (slot_q == i[SLOT_W-1:0]) slot_data = Marker[i*FrameBits +: FrameBits];
  end

  always @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      mk_q   <= 1'b1;
      slot_q <= {SLOT_W{1'b0}};
      grp_q  <= {GRP_W{1'b0}};
    end else begin
      mk_q   <= mk_d;
      slot_q <= slot_d;
      grp_q  <= grp_d;
    end
  end

  assign out_valid = mk_q | in_valid;
  assign out_data  = mk_q ? slot_data : in_data;
  assign in_ready  = ~mk_q & out_ready;

endmodule

`default_nettype wire
