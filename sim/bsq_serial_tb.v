// bsq_serial_tb: the Icarus Verilog testbench of the serial encoder
// (`--arch serial`). Same generated RTL and beats as the Verilator serial
// harness, plain Verilog-2001: reads beats.hex (one {tlast, s_axis_tdata}
// per line, misplaced tlasts included) and expect.hex (one {tlast, word}
// per line, written by the C model's serial reference over every beat in
// order) from the current directory, drives the beats with random
// s_axis_tvalid / m_axis_tready gaps, compares every output beat, and at
// the end frame_err_o and drop_count_o with what the reference ended with.
// No mid-stream reset here: the expected words are precomputed. Every
// cycle it checks the AXI4-Stream rules of bsq_tb_common.vh but
// tvalid-no-wait (which needs to know when a word is due; the Verilator
// serial harness checks it); its master holds a beat until the handshake.
//
// With -DBSQ_TB_TUSER (a design with frame sync) a line of beats.hex is
// {tuser, tlast, s_axis_tdata} and s_axis_tuser is driven from it; the
// expected words are the C model's framer's.
//
// Parameters (iverilog -P bsq_tb.X=...): InBits (tdata width), WordBits,
// NFrames (beats), NWords, StallPct (0..99), Seed, ExpErr, ExpDrops. The
// DUT module is chosen with -DBSQ_TB_DUT=<name>_encoder.
// Prints "RESULT frames=.. words=.. mismatches=.. cycles=.." and finishes
// (frames counts the beats accepted).

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
  parameter integer ExpErr   = 0;
  parameter integer ExpDrops = 0;

  reg                 clk;
  reg                 rst_n;
  reg  [InBits-1:0]   s_axis_tdata;
  reg                 s_axis_tvalid;
  wire                s_axis_tready;
  reg                 s_axis_tlast;
  wire [WordBits-1:0] m_axis_tdata;
  wire                m_axis_tvalid;
  reg                 m_axis_tready;
  wire                m_axis_tlast;
  wire                frame_err_o;
  wire [7:0]          drop_count_o;

`ifdef BSQ_TB_TUSER
  reg                 s_axis_tuser;
  reg [InBits+1:0] beats  [0:NFrames-1];
`else
  reg [InBits:0]   beats  [0:NFrames-1];
`endif

  `BSQ_TB_DUT dut (
    .clk           (clk),
    .rst_n         (rst_n),
    .s_axis_tdata  (s_axis_tdata),
    .s_axis_tvalid (s_axis_tvalid),
    .s_axis_tready (s_axis_tready),
    .s_axis_tlast  (s_axis_tlast),
`ifdef BSQ_TB_TUSER
    .s_axis_tuser  (s_axis_tuser),
`endif
    .m_axis_tdata  (m_axis_tdata),
    .m_axis_tvalid (m_axis_tvalid),
    .m_axis_tready (m_axis_tready),
    .m_axis_tlast  (m_axis_tlast),
    .frame_err_o   (frame_err_o),
    .drop_count_o  (drop_count_o)
  );


`include "bsq_tb_common.vh"

  initial begin
    $readmemh("beats.hex", beats);
    s_axis_tlast = 1'b0;
    s_axis_tdata = {InBits{1'b0}};
`ifdef BSQ_TB_TUSER
    s_axis_tuser = 1'b0;
`endif
    tb_start;
    while (tb_running(1'b0)) begin
      // inputs change with clk low, away from the rising edge
      tb_valid;
      if (next < NFrames) begin
        s_axis_tdata = beats[next][InBits-1:0];
        s_axis_tlast = beats[next][InBits];
`ifdef BSQ_TB_TUSER
        s_axis_tuser = beats[next][InBits+1];
`endif
      end
      axis_ready;
      #3;
      // the words a frame completes are not known here: no tvalid-no-wait
      axis_check(-1);
      tb_sample;
      tb_tick;
    end
    if (next != NFrames || nword != NWords) begin
      mismatches = mismatches + 1;
      $display("%%Error: accepted %0d of %0d beats, saw %0d of %0d words",
               next, NFrames, nword, NWords);
    end
    if (frame_err_o !== ExpErr[0] || drop_count_o !== ExpDrops[7:0]) begin
      mismatches = mismatches + 1;
      $display("%%Error: cycle=%0d frame_err_o GOT=%b EXP=%0d drop_count_o GOT=%0d EXP=%0d",
               cycle, frame_err_o, ExpErr, drop_count_o, ExpDrops);
    end
    $display("RESULT frames=%0d words=%0d mismatches=%0d cycles=%0d axi_violations=%0d",
             next, nword, mismatches, cycle, axi_violations);
    $finish;
  end
endmodule

`default_nettype wire
