// bsq_packer_sweep_tb: sim/bsq_packer_tb.v for every frame width B and word
// width K from 1 to MaxBits, both modes, both datapaths (ring and shift,
// forced), side by side in one Icarus run: 4 * MaxBits^2 packers, each
// checked against its own bit-queue reference with random stalls (and the
// throughput checks of bsq_packer_tb).
//
//   iverilog -g2001 -s bsq_packer_sweep_tb sim/bsq_packer_sweep_tb.v
//            sim/bsq_packer_tb.v rtl/bsq_packer.v
// Prints "SWEEP configs=.. failed=.." and finishes.

`default_nettype none
`timescale 1ns / 1ps

module bsq_packer_sweep_tb;
  parameter integer MaxBits = 16;
  parameter integer NFrames = 60;

  localparam integer N = 4 * MaxBits * MaxBits;

  wire [N-1:0]  done;
  wire [31:0]   fails [0:N-1];

  genvar b, k, a;
  generate
    for (b = 1; b <= MaxBits; b = b + 1) begin : g_b
      for (k = 1; k <= MaxBits; k = k + 1) begin : g_k
        for (a = 0; a < 4; a = a + 1) begin : g_a
          localparam integer I = ((b - 1) * MaxBits + (k - 1)) * 4 + a;
          bsq_packer_tb #(
            .FrameBits  (b),
            .WordBits   (k),
            .Aligned    (a % 2),
            .Arch       (1 + a / 2),
            .NFrames    (NFrames),
            .Seed       (I + 1),
            .Standalone (0),
            .FastCycles (24),
            .QBits      (1024)
          ) u_tb (
            .done  (done[I]),
            .fails (fails[I])
          );
        end
      end
    end
  endgenerate

  integer i, failed;
  initial begin
    wait (&done);
    failed = 0;
    for (i = 0; i < N; i = i + 1)
      if (fails[i] != 0) failed = failed + 1;
    $display("SWEEP configs=%0d failed=%0d", N, failed);
    $finish;
  end
endmodule

`default_nettype wire
