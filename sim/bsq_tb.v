// bsq_tb: the Icarus Verilog testbench. Same generated RTL as the
// Verilator harness, plain Verilog-2001: reads frames.hex (one
// s_axis_tdata per line) and expect.hex (one {tlast, word} per line, written
// by the C model's packer over every frame in order) from the current
// directory, drives the frames with random s_axis_tvalid / m_axis_tready
// gaps and compares every output beat. No mid-stream reset here: the
// expected words are precomputed, so the stream must be whole.
//
// Every cycle it checks the AXI4-Stream rules (bsq_tb_common.vh, shared
// with bsq_serial_tb.v); its master holds a frame until the handshake.
//
// With -DBSQ_TB_TUSER (a design with frame sync, `--sync N`) a line of
// frames.hex is {tuser, s_axis_tdata} and s_axis_tuser is driven from it;
// the expected words are then the C model's framer's, markers included,
// and tvalid-no-wait is not checked here (when a marker's words are due
// is not known from the frame count; the Verilator harness checks it).
//
// Parameters (iverilog -P bsq_tb.X=...): InBits, WordBits, NFrames,
// NWords, StallPct (0..99, chance in percent that a valid or ready drops;
// above 0 m_axis_tready is also held low for spans), Seed, FrameBits (B),
// Aligned. The DUT module is chosen with -DBSQ_TB_DUT=<name>_encoder.
// Prints "RESULT frames=.. words=.. mismatches=.. cycles=..
// axi_violations=.." and finishes.

`default_nettype none
`timescale 1ns / 1ps

`ifndef BSQ_TB_DUT
`define BSQ_TB_DUT bsq_encoder
`endif

module bsq_tb;
  parameter integer InBits   = 8;
  parameter integer WordBits = 8;
  parameter integer NFrames  = 1;
  parameter integer NWords   = 1;
  parameter integer StallPct = 0;
  parameter integer Seed     = 1;
  parameter integer FrameBits = 8;
  parameter integer Aligned  = 1;

  reg                 clk;
  reg                 rst_n;
  reg  [InBits-1:0]   s_axis_tdata;
  reg                 s_axis_tvalid;
  wire                s_axis_tready;
  wire [WordBits-1:0] m_axis_tdata;
  wire                m_axis_tvalid;
  reg                 m_axis_tready;
  wire                m_axis_tlast;

`ifdef BSQ_TB_TUSER
  localparam integer Tuser = 1;
  reg                 s_axis_tuser;
  reg [InBits:0]   frames [0:NFrames-1];
`else
  localparam integer Tuser = 0;
  reg [InBits-1:0] frames [0:NFrames-1];
`endif

  `BSQ_TB_DUT dut (
    .clk           (clk),
    .rst_n         (rst_n),
    .s_axis_tdata  (s_axis_tdata),
    .s_axis_tvalid (s_axis_tvalid),
    .s_axis_tready (s_axis_tready),
`ifdef BSQ_TB_TUSER
    .s_axis_tuser  (s_axis_tuser),
`endif
    .m_axis_tdata  (m_axis_tdata),
    .m_axis_tvalid (m_axis_tvalid),
    .m_axis_tready (m_axis_tready),
    .m_axis_tlast  (m_axis_tlast)
  );

  integer avail, due;

`include "bsq_tb_common.vh"

  initial begin
    $readmemh("frames.hex", frames);
    s_axis_tdata = {InBits{1'b0}};
`ifdef BSQ_TB_TUSER
    s_axis_tuser = 1'b0;
`endif
    due = -1;
    tb_start;
    while (tb_running(1'b0)) begin
      // inputs change with clk low, away from the rising edge
      tb_valid;
      if (next < NFrames) begin
        s_axis_tdata = frames[next][InBits-1:0];
`ifdef BSQ_TB_TUSER
        s_axis_tuser = frames[next][InBits];
`endif
      end
      axis_ready;
      #3;
      axis_check(due);
      tb_sample;
      // the words the accepted frames complete; since when the oldest one
      // not yet out is due
      avail = Aligned ? next * ((FrameBits + WordBits - 1) / WordBits)
                      : (next * FrameBits) / WordBits;
      if (nword >= avail || Tuser != 0) due = -1;
      else if (due < 0 || out_fire) due = cycle;
      tb_tick;
    end
    if (next != NFrames || nword != NWords) begin
      mismatches = mismatches + 1;
      $display("%%Error: accepted %0d of %0d frames, saw %0d of %0d words",
               next, NFrames, nword, NWords);
    end
    $display("RESULT frames=%0d words=%0d mismatches=%0d cycles=%0d axi_violations=%0d",
             next, nword, mismatches, cycle, axi_violations);
    $finish;
  end
endmodule

`default_nettype wire
